import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { User } from '../../src/domain/identity.js';
import type { Condition } from '../../src/domain/policy.js';
import { compileCondition, matchesCondition } from '../../src/policy/evaluate-condition.js';
import { explainCondition } from '../../src/policy/explain-condition.js';

const user = (name: string, groups: string[] = [], attributes: Record<string, string[]> = {}): User => ({
  name,
  email: `${name}@example.com`,
  groups,
  attributes,
  principals: {},
});

const alice = user('alice', ['analysts', 'emea'], { region: ['eu', 'uk'], level: ['3'] });
const bob = user('bob', ['hr'], { region: ['us'] });

describe('matchesCondition', () => {
  it('groups and users hold when the user is any one of those listed', () => {
    expect(matchesCondition({ groups: ['hr', 'analysts'] }, alice)).toBe(true);
    expect(matchesCondition({ groups: ['finance'] }, alice)).toBe(false);
    expect(matchesCondition({ users: ['bob', 'carol'] }, bob)).toBe(true);
    expect(matchesCondition({ users: ['bob', 'carol'] }, alice)).toBe(false);
  });

  it('ANDs the keys of one condition object', () => {
    expect(matchesCondition({ groups: ['analysts'], users: ['alice'] }, alice)).toBe(true);
    expect(matchesCondition({ groups: ['analysts'], users: ['bob'] }, alice)).toBe(false);
    expect(matchesCondition({ groups: ['analysts'], attributes: { region: ['us'] } }, alice)).toBe(false);
  });

  it('attributes: every key must hold; any value by default, all values with attributeMatch all', () => {
    expect(matchesCondition({ attributes: { region: ['eu', 'us'] } }, alice)).toBe(true);
    expect(matchesCondition({ attributes: { region: ['eu'], level: ['3'] } }, alice)).toBe(true);
    expect(matchesCondition({ attributes: { region: ['eu'], level: ['4'] } }, alice)).toBe(false);
    expect(matchesCondition({ attributes: { missing: ['x'] } }, alice)).toBe(false);
    expect(matchesCondition({ attributes: { region: ['eu', 'uk'] }, attributeMatch: 'all' }, alice)).toBe(true);
    expect(matchesCondition({ attributes: { region: ['eu', 'us'] }, attributeMatch: 'all' }, alice)).toBe(false);
  });

  it('anyone, any, all and not combine', () => {
    expect(matchesCondition({ anyone: true }, bob)).toBe(true);
    expect(matchesCondition({ any: [{ groups: ['x'] }, { users: ['bob'] }] }, bob)).toBe(true);
    expect(matchesCondition({ all: [{ groups: ['hr'] }, { users: ['alice'] }] }, bob)).toBe(false);
    expect(matchesCondition({ anyone: true, not: { groups: ['hr'] } }, bob)).toBe(false);
    expect(matchesCondition({ anyone: true, not: { groups: ['hr'] } }, alice)).toBe(true);
    expect(matchesCondition({ not: { not: { users: ['bob'] } } }, bob)).toBe(true);
  });

  it('fails closed: empty conditions and empty lists match nobody, even under not', () => {
    for (const c of [
      {},
      { anyone: false },
      { attributeMatch: 'all' },
      { groups: [] },
      { users: [] },
      { attributes: {} },
      { attributes: { region: [] } },
      { any: [] },
      { all: [] },
      { not: {} },
      { not: { groups: [] } },
      { not: { not: {} } },
      { anyone: true, groups: [] },
    ] as Condition[]) {
      expect(matchesCondition(c, alice), JSON.stringify(c)).toBe(false);
    }
  });
});

describe('explainCondition', () => {
  it('names the facts that decided', () => {
    expect(explainCondition({ groups: ['analysts', 'hr'] }, alice)).toEqual({ matched: true, because: ['member of group analysts'] });
    expect(explainCondition({ attributes: { region: ['eu'] } }, alice).because).toEqual(['attribute region = eu']);
    expect(explainCondition({ users: ['bob'] }, alice)).toEqual({ matched: false, because: ['not one of users [bob]'] });
    expect(explainCondition({}, alice)).toEqual({ matched: false, because: ['an empty condition matches nobody'] });
    expect(explainCondition({ anyone: true, not: { groups: ['emea'] } }, alice).because).toEqual(['excluded: member of group emea']);
  });

  const names = fc.constantFrom('a', 'b', 'c');
  const values = fc.constantFrom('x', 'y', 'z');
  const leaf: fc.Arbitrary<Condition> = fc.record(
    {
      anyone: fc.boolean(),
      groups: fc.array(names, { maxLength: 2 }),
      users: fc.array(names, { maxLength: 2 }),
      attributes: fc.dictionary(fc.constantFrom('k1', 'k2'), fc.array(values, { maxLength: 2 }), { maxKeys: 2 }),
      attributeMatch: fc.constantFrom<'any' | 'all'>('any', 'all'),
    },
    { requiredKeys: [] },
  );
  const { cond } = fc.letrec<{ cond: Condition }>((tie) => ({
    cond: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ any: fc.array(tie('cond'), { maxLength: 3 }) }),
      fc.record({ all: fc.array(tie('cond'), { maxLength: 3 }) }),
      fc.record({ not: tie('cond') }),
      fc.tuple(leaf, tie('cond')).map(([l, c]) => ({ ...l, not: c })),
    ),
  }));
  const anyUser = fc.record({
    name: names,
    email: fc.constant(null),
    groups: fc.array(names, { maxLength: 3 }),
    attributes: fc.dictionary(fc.constantFrom('k1', 'k2'), fc.array(values, { maxLength: 3 }), { maxKeys: 2 }),
    principals: fc.constant({}),
  });

  it('agrees with matchesCondition on random conditions and users', () => {
    fc.assert(
      fc.property(cond, anyUser, (c, u) => {
        expect(explainCondition(c, u).matched).toBe(compileCondition(c)(u));
      }),
      { numRuns: 2000 },
    );
  });
});
