import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountGrantee, PUBLIC_GRANTEE, roleGrantee, type Grantee, type Membership } from '../../src/domain/access.js';
import { compareMemberships, sortMemberships } from '../../src/domain/canonical-state.js';

const grantee: fc.Arbitrary<Grantee> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('u1', 'u10', 'u2', 'U3', 'é', 'r1').map(roleGrantee) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('u1', 'x'), fc.constantFrom('%', 'localhost')).map(([u, h]) => accountGrantee(u, h)) },
  { weight: 1, arbitrary: fc.constant(PUBLIC_GRANTEE) },
);
const membership: fc.Arbitrary<Membership> = fc.record({ role: fc.constantFrom('r1', 'r10', 'r2', 'steward_p', 'a', 'B'), member: grantee });

describe('sortMemberships', () => {
  it('leaves exactly what one sort by compareMemberships leaves: the same objects in the same order, ties included', () => {
    fc.assert(
      fc.property(fc.array(membership, { maxLength: 60 }), (ms) => {
        const expected = [...ms].sort(compareMemberships);
        const got = sortMemberships([...ms]);
        expect(got.length).toBe(expected.length);
        got.forEach((m, i) => expect(m).toBe(expected[i]));
      }),
      { numRuns: 2_000 },
    );
  });

  it('sorts in place and returns the array it was given', () => {
    const ms: Membership[] = [
      { role: 'r2', member: roleGrantee('b') },
      { role: 'r1', member: roleGrantee('b') },
      { role: 'r1', member: roleGrantee('a') },
    ];
    const got = sortMemberships(ms);
    expect(got).toBe(ms);
    expect(got.map((m) => `${m.role}/${(m.member as { name: string }).name}`)).toEqual(['r1/a', 'r1/b', 'r2/b']);
  });
});
