import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountGrantee, EMPTY_STATE, granteeKey, PRIVILEGE_ORDER, PUBLIC_GRANTEE, roleGrantee, type AccessState, type Grantee } from '../../src/domain/access.js';
import { stateDigest } from '../../src/reconcile/state-digest.js';

/** The digest as first written (one array and one join per atom): stored digests must stay valid. */
function referenceDigest(state: AccessState): string {
  const h = createHash('sha1');
  let buf = '';
  const put = (...parts: readonly string[]): void => {
    buf += `${parts.join('\u0000')}\u0001`;
    if (buf.length > 65_536) {
      h.update(buf);
      buf = '';
    }
  };
  for (const r of state.roles) put('r', granteeKey(r.grantee), r.purpose);
  for (const m of state.memberships) put('m', m.role, granteeKey(m.member));
  for (const g of state.grants) put('g', g.securable.kind, ...g.securable.segments, '\u0002', granteeKey(g.grantee), ...g.privileges);
  for (const d of state.defaultGrants) put('d', d.database, d.schema, d.owner, d.objects, granteeKey(d.grantee), ...d.privileges);
  for (const d of state.defaultRoles) put('u', granteeKey(d.user), d.role ?? '\u0003');
  h.update(buf);
  return h.digest('base64');
}

const name = fc.constantFrom('a', 'b', 'steward_p', 'x y', 'é', '');
const grantee: fc.Arbitrary<Grantee> = fc.oneof(name.map(roleGrantee), fc.tuple(name, fc.constantFrom('%', 'h')).map(([u, h]) => accountGrantee(u, h)), fc.constant(PUBLIC_GRANTEE));
const privileges = fc.subarray([...PRIVILEGE_ORDER]);
const state: fc.Arbitrary<AccessState> = fc.record({
  roles: fc.array(fc.record({ grantee, purpose: fc.constantFrom('policy', 'personal', 'group', 'principal') as fc.Arbitrary<'policy'> })),
  memberships: fc.array(fc.record({ role: name, member: grantee }), { maxLength: 30 }),
  grants: fc.array(fc.record({ securable: fc.record({ kind: fc.constantFrom('database', 'schema', 'table') as fc.Arbitrary<'table'>, segments: fc.array(name, { maxLength: 3 }) }), grantee, privileges })),
  defaultGrants: fc.array(fc.record({ database: name, schema: name, owner: name, objects: fc.constantFrom('tables', 'sequences') as fc.Arbitrary<'tables'>, grantee, privileges })),
  defaultRoles: fc.array(fc.record({ user: grantee, role: fc.option(name, { nil: null }) })),
});

describe('stateDigest', () => {
  it('hashes the same text as the array-and-join form (digests stored by earlier versions stay valid)', () => {
    fc.assert(fc.property(state, (s) => {
        expect(stateDigest(s)).toBe(referenceDigest(s));
      }), { numRuns: 2_000 });
  });

  it('is the same across the 64 KB chunk boundary', () => {
    const memberships = Array.from({ length: 20_000 }, (_v, i) => ({ role: `steward_p${i % 37}`, member: roleGrantee(`u${i}`) }));
    const s: AccessState = { ...EMPTY_STATE, memberships };
    expect(stateDigest(s)).toBe(referenceDigest(s));
  });

  it('tells states apart', () => {
    const a: AccessState = { ...EMPTY_STATE, memberships: [{ role: 'r', member: roleGrantee('u') }] };
    const b: AccessState = { ...EMPTY_STATE, memberships: [{ role: 'r', member: roleGrantee('v') }] };
    expect(stateDigest(a)).not.toBe(stateDigest(b));
  });
});
