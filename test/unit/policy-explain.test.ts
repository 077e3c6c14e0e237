import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { granteeName } from '../../src/domain/access.js';
import type { AccessState, Privilege } from '../../src/domain/access.js';
import { DEFAULT_OPTIONS } from '../../src/domain/connection.js';
import type { User } from '../../src/domain/identity.js';
import type { Condition, Policy, Selector } from '../../src/domain/policy.js';
import { computeDesiredState } from '../../src/policy/desired-state.js';
import { explainAccess, whoCan } from '../../src/policy/explain.js';
import type { CatalogEntry, PolicyInput } from '../../src/policy/input.js';
import { policyRoleName } from '../../src/policy/role-names.js';
import { canonicalizeState } from '../../src/domain/canonical-state.js';
import { postgresCapabilities as PG } from '../../src/platforms/postgres/capabilities.js';
import { mariadbPlatform } from '../../src/platforms/mysql/index.js';

const MARIADB = mariadbPlatform.capabilities;


const user = (name: string, groups: string[], extra: Partial<User> = {}): User => ({ name, email: `${name}@x.io`, groups, attributes: {}, principals: {}, ...extra });
const rel = (segments: string[], kind: CatalogEntry['kind'], tags: string[] = [], columns: CatalogEntry['columns'] = []): CatalogEntry => ({
  segments,
  kind,
  owner: 'etl',
  tags,
  columns,
});

const input: PolicyInput = {
  connection: 'wh',
  options: { ...DEFAULT_OPTIONS, protect: ['wh/shop/public/*'], principalTemplate: '{email.local}' },
  capabilities: PG,
  catalog: [
    rel(['shop', 'public', 'orders'], 'table', ['sales']),
    rel(['shop', 'public', 'customers'], 'table', [], [{ name: 'email', tags: ['pii'] }]),
    rel(['shop', 'public', 'v'], 'view', ['sales']),
    rel(['shop', 'other', 'x'], 'table', ['sales']),
  ],
  users: [
    user('alice', ['analysts'], { attributes: { training: ['pii'] } }),
    user('bob', ['eng']),
    user('carol', ['analysts']),
    user('nomail', ['analysts'], { email: null }),
  ],
  policies: [
    { name: 'analysts-read', type: 'subscription', access: 'read', to: { groups: ['analysts'] }, on: { tags: ['sales', 'pii'] } },
    { name: 'eng-write', type: 'subscription', access: 'write', to: { groups: ['eng'] }, on: { paths: ['wh/shop/public/*'] } },
    { name: 'old', type: 'subscription', access: 'write', to: { anyone: true }, on: { all: true }, expires: '2020-01-01T00:00:00Z' },
    { name: 'pii-trained', type: 'guardrail', to: { attributes: { training: ['pii'] } }, on: { columnTags: ['pii'] } },
  ],
  now: new Date('2025-01-01T00:00:00Z'),
  systemAccount: 'steward',
};

describe('explainAccess', () => {
  it('names the policy, the role and the group that grant access', () => {
    const e = explainAccess(input, 'alice', ['shop', 'public', 'orders']);
    expect(e.privileges).toEqual(['SELECT']);
    expect(e.reasons).toEqual([]);
    expect(e.path).toBe('wh/shop/public/orders');
    const p = e.policies.find((x) => x.policy === 'analysts-read')!;
    const role = policyRoleName({ prefix: 'steward_', policy: 'analysts-read', access: 'read', maxLength: 63 });
    expect(p).toEqual({
      policy: 'analysts-read',
      access: 'read',
      outcome: 'matches',
      privileges: ['SELECT'],
      role,
      personalRole: null,
      because: ['member of group analysts'],
      failedGuardrails: [],
    });
    expect(e.policies.find((x) => x.policy === 'old')!.outcome).toBe('expired');
  });

  it('says why not: condition, guardrail, expiry, protection, principal, existence', () => {
    const bob = explainAccess(input, 'bob', ['shop', 'public', 'v']);
    expect(bob.privileges).toEqual(['SELECT']); // write policy on a view: read only
    const carol = explainAccess(input, 'carol', ['shop', 'public', 'customers']);
    expect(carol.privileges).toEqual([]);
    expect(carol.reasons).toEqual(['expired', 'condition_not_met', 'guardrail_failed']);
    expect(carol.guardrails).toEqual([{ guardrail: 'pii-trained', satisfied: false, because: ['attribute training has none of [pii]'] }]);
    expect(carol.policies.find((p) => p.policy === 'analysts-read')!.failedGuardrails).toEqual(['pii-trained']);
    expect(explainAccess(input, 'alice', ['shop', 'public', 'customers']).privileges).toEqual(['SELECT']);
    expect(explainAccess(input, 'alice', ['shop', 'other', 'x']).reasons).toEqual(['not_protected']);
    // Every reason that applies is listed, the missing principal first.
    expect(explainAccess(input, 'nomail', ['shop', 'public', 'orders'])).toMatchObject({
      principal: null,
      privileges: [],
      reasons: ['no_principal', 'expired', 'condition_not_met'],
    });
    expect(explainAccess(input, 'alice', ['shop', 'public', 'nope']).reasons).toEqual(['not_found']);
    expect(explainAccess(input, 'zed', ['shop', 'public', 'orders']).reasons).toEqual(['unknown_user']);
    const noPolicy = explainAccess({ ...input, policies: [] }, 'alice', ['shop', 'public', 'orders']);
    expect(noPolicy.reasons).toEqual(['no_matching_policy']);
  });

  it('prints a few readable lines', () => {
    expect(explainAccess(input, 'carol', ['shop', 'public', 'customers']).lines).toEqual([
      'carol -> wh/shop/public/customers: no access',
      "  because a policy that selects it has expired",
      "  because the user does not match a policy's condition",
      '  because the user fails a guardrail on it',
      `  policy analysts-read (read) matches (member of group analysts) but guardrails fail: pii-trained`,
      '  policy eng-write (write) does not match: not in any of groups [eng]',
      '  policy old (write) has expired',
      '  guardrail pii-trained fails: attribute training has none of [pii]',
    ]);
    expect(whoCan(input, ['shop', 'public', 'v']).lines[0]).toBe('wh/shop/public/v: 3 user(s)');
    expect(whoCan(input, ['shop', 'other', 'x']).lines).toEqual(['wh/shop/other/x: nobody through Steward (the object is not protected: Steward does not manage access to it)']);
  });

  it('a column path answers for its table', () => {
    const e = explainAccess(input, 'alice', ['shop', 'public', 'customers', 'email']);
    expect(e.relation).toEqual({ segments: ['shop', 'public', 'customers'], kind: 'table', column: 'email' });
    expect(e.privileges).toEqual(['SELECT']);
  });
});

describe('whoCan', () => {
  it('lists users with privileges and the policies behind them', () => {
    const r = whoCan(input, ['shop', 'public', 'orders']);
    expect(r.users.map((u) => [u.user, u.principal, u.privileges])).toEqual([
      ['alice', 'alice', ['SELECT']],
      ['bob', 'bob', ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']],
      ['carol', 'carol', ['SELECT']],
    ]);
    expect(r.users[1]!.via.map((v) => v.policy)).toEqual(['eng-write']);
    expect(whoCan(input, ['shop', 'other', 'x']).users).toEqual([]);
  });
});

/** Privileges of `principal` on a table through the state's memberships (transitively). */
function effective(state: AccessState, principal: string, segments: readonly string[]): Privilege[] {
  const reach = new Set([principal]);
  const queue = [principal];
  while (queue.length > 0) {
    const m = queue.pop()!;
    for (const ms of state.memberships) {
      if (granteeName(ms.member) === m && !reach.has(ms.role)) {
        reach.add(ms.role);
        queue.push(ms.role);
      }
    }
  }
  const out = new Set<Privilege>();
  // MySQL (database/table paths): a database-level grant reaches every table of the database.
  const onTable = (s: AccessState['grants'][number]['securable']): boolean =>
    (s.kind === 'table' && s.segments.join('\u0000') === segments.join('\u0000')) || (s.kind === 'database' && segments.length === 2 && s.segments[0] === segments[0]);
  for (const g of state.grants) {
    if (onTable(g.securable) && reach.has(granteeName(g.grantee)!)) for (const p of g.privileges) out.add(p);
  }
  return [...out].sort();
}

describe('explain agrees with the desired state', () => {
  const tag = fc.constantFrom('t1', 't2');
  const group = fc.constantFrom('g1', 'g2', 'g3');
  const cond: fc.Arbitrary<Condition> = fc.oneof(
    fc.record({ groups: fc.array(group, { minLength: 1, maxLength: 2 }) }),
    fc.record({ users: fc.array(fc.constantFrom('u1', 'u2', 'u3'), { minLength: 1, maxLength: 2 }) }),
    fc.record({ attributes: fc.constant({ k: ['v'] }) }),
    fc.constant({ anyone: true }),
    fc.record({ anyone: fc.constant(true), not: fc.record({ groups: fc.array(group, { minLength: 1 }) }) }),
  );
  const selector = (pathDepth: number): fc.Arbitrary<Selector> =>
    fc.oneof(
      fc.constant({ all: true }),
      fc.record({ tags: fc.array(tag, { minLength: 1 }) }),
      fc.record({ columnTags: fc.array(tag, { minLength: 1 }) }),
      fc.record({ paths: fc.array(fc.constantFrom(...(pathDepth === 3 ? ['wh/d1/*/*', 'wh/d1/s1', 'wh/*/s2/a', 'wh/d2'] : ['wh/d1/*', 'wh/d2/a', 'wh/*/b'])), { minLength: 1 }) }),
    );
  const scenario = fc.constantFrom(PG, MARIADB).chain((caps) => {
    const depth = caps.hierarchy.length;
    const seg = depth === 3 ? fc.tuple(fc.constantFrom('d1', 'd2'), fc.constantFrom('s1', 's2'), fc.constantFrom('a', 'b')) : fc.tuple(fc.constantFrom('d1', 'd2'), fc.constantFrom('a', 'b', 'c'));
    const relation = fc.record({
      segments: seg.map((s) => [...s]),
      kind: fc.constantFrom<CatalogEntry['kind']>('table', 'view', 'partitioned_table'),
      owner: fc.constantFrom('etl', null),
      tags: fc.array(tag, { maxLength: 1 }),
      columns: fc.array(fc.record({ name: fc.constantFrom('c1', 'c2'), tags: fc.array(tag, { maxLength: 1 }) }), { maxLength: 2 }),
    });
    const policy: fc.Arbitrary<Policy> = fc.oneof(
      fc.record({
        name: fc.constantFrom('p1', 'p2', 'P-3', 'p4'),
        type: fc.constant('subscription' as const),
        access: fc.constantFrom<'read' | 'write'>('read', 'write'),
        to: cond,
        on: selector(depth),
        expires: fc.constantFrom(null, '2024-01-01T00:00:00Z', '2030-01-01T00:00:00Z'),
      }),
      fc.record({ name: fc.constantFrom('gA', 'gB'), type: fc.constant('guardrail' as const), to: cond, on: selector(depth) }),
    );
    const u = fc.record({
      name: fc.constantFrom('u1', 'u2', 'u3', 'u4'),
      email: fc.constantFrom('x@y', null),
      groups: fc.array(group, { maxLength: 2 }),
      attributes: fc.constantFrom<Record<string, string[]>>({}, { k: ['v'] }),
      principals: fc.constantFrom<Record<string, string>>({}, { wh: 'shared' }),
    });
    return fc.record({
      caps: fc.constant(caps),
      catalog: fc.uniqueArray(relation, { maxLength: 6, selector: (r) => r.segments.join('.') }),
      users: fc.uniqueArray(u, { maxLength: 4, selector: (x) => x.name }),
      policies: fc.uniqueArray(policy, { maxLength: 5, selector: (p) => p.name }),
      protect: fc.array(fc.constantFrom(depth === 3 ? 'wh/d1/*/*' : 'wh/d1/*', 'wh/d2', 'wh/**'), { maxLength: 2 }),
      template: fc.constantFrom('{user}', '{email.local}'),
    });
  });

  it('explainAccess/whoCan privileges equal effective access in computeDesiredState, which is canonical', () => {
    let withAccess = 0;
    fc.assert(
      fc.property(scenario, (sc) => {
        const inp: PolicyInput = {
          connection: 'wh',
          options: { ...DEFAULT_OPTIONS, protect: sc.protect, principalTemplate: sc.template },
          capabilities: sc.caps,
          catalog: sc.catalog,
          users: sc.users,
          policies: sc.policies,
          now: new Date('2025-01-01T00:00:00Z'),
          systemAccount: 'steward',
        };
        const { state } = computeDesiredState(inp);
        // Canonical and independent of input order.
        expect(state).toEqual(canonicalizeState(state));
        const reversed = { ...inp, catalog: [...inp.catalog].reverse(), users: [...inp.users].reverse(), policies: [...inp.policies].reverse() };
        expect(computeDesiredState(reversed).state).toEqual(state);
        for (const r of sc.catalog) {
          const who = whoCan(inp, r.segments);
          for (const u of sc.users) {
            const e = explainAccess(inp, u.name, r.segments);
            const expected = e.principal === null ? [] : effective(state, e.principal, r.segments);
            // A shared principal gets the union of its users' access: compare per principal.
            const union = new Set<Privilege>();
            for (const w of who.users) if (w.principal === e.principal) for (const p of w.privileges) union.add(p);
            expect([...union].sort()).toEqual(expected);
            for (const p of e.privileges) expect(expected).toContain(p);
            if (expected.length > 0) withAccess++;
          }
        }
      }),
      { numRuns: 400 },
    );
    // The property is not vacuous: many generated cases do grant something.
    expect(withAccess).toBeGreaterThan(100);
  });
});
