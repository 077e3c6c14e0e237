import { describe, expect, it } from 'vitest';
import { EMPTY_STATE, type AccessState, type Grant, type Privilege, roleGrantee as R, accountGrantee, granteeKey } from '../../src/domain/access.js';
import { mariadbPlatform } from '../../src/platforms/mysql/index.js';
import { DEFAULT_OPTIONS } from '../../src/domain/connection.js';
import type { User } from '../../src/domain/identity.js';
import type { Policy } from '../../src/domain/policy.js';
import type { Operation } from '../../src/domain/plan.js';
import { computeDesiredState } from '../../src/policy/desired-state.js';
import type { CatalogEntry, PolicyInput } from '../../src/policy/input.js';
import { applyPlanToState } from '../../src/reconcile/apply-model.js';
import { canonicalizeState } from '../../src/domain/canonical-state.js';
import { countManagedAccess, filterDrift, planChanges, revocationRatio } from '../../src/reconcile/diff.js';
import { managedBy } from '../../src/reconcile/safety.js';
import { postgresCapabilities as PG } from '../../src/platforms/postgres/capabilities.js';



const plan = (actual: AccessState, desired: AccessState, lastApplied: AccessState | null = null): Operation[] =>
  [...planChanges(actual, desired, { connection: 'wh', lastApplied, capabilities: PG }).operations];
const A = (user: string, host = '%') => accountGrantee(user, host);
const state = (s: Partial<AccessState>): AccessState => canonicalizeState({ ...EMPTY_STATE, ...s });
const table = (...segments: string[]): Grant['securable'] => ({ kind: 'table', segments });
const grant = (grantee: string, privileges: Privilege[], ...tables: string[][]): Grant[] => tables.map((t) => ({ securable: table(...t), grantee: R(grantee), privileges }));

/** S1, scaled down: 10 schemas × 20 tables, 30 groups, 200 users. */
function s1(extraGroup?: { user: string; group: string }): PolicyInput {
  const catalog: CatalogEntry[] = [{ segments: ['bench'], kind: 'database', owner: 'etl', tags: [], columns: [] }];
  for (let s = 1; s <= 10; s++) {
    catalog.push({ segments: ['bench', `s${s}`], kind: 'schema', owner: 'etl', tags: [], columns: [] });
    for (let t = 1; t <= 20; t++) catalog.push({ segments: ['bench', `s${s}`, `t${t}`], kind: 'table', owner: 'etl', tags: [], columns: [] });
  }
  const users: User[] = Array.from({ length: 200 }, (_v, j) => {
    const name = `u${j + 1}`;
    const groups = [`grp${(j % 30) + 1}`];
    if (extraGroup?.user === name) groups.push(extraGroup.group);
    return { name, email: null, groups, attributes: {}, principals: {} };
  });
  const policies: Policy[] = [];
  for (let g = 1; g <= 30; g++) {
    const to = { groups: [`grp${g}`] };
    policies.push({ name: `grp${g}_read`, type: 'subscription', access: 'read', to, on: { paths: [0, 1, 2].map((k) => `wh/bench/s${((g + k) % 10) + 1}/*`) } });
    policies.push({ name: `grp${g}_write`, type: 'subscription', access: 'write', to, on: { paths: [`wh/bench/s${((g + 3) % 10) + 1}/*`] } });
  }
  return {
    connection: 'wh',
    options: { ...DEFAULT_OPTIONS, protect: ['wh/bench/*/*'] },
    capabilities: PG,
    catalog,
    users,
    policies,
    now: new Date('2025-01-01T00:00:00Z'),
    systemAccount: 'steward',
  };
}

describe('planChanges', () => {
  it('converges from nothing, and the next plan is empty', () => {
    const desired = computeDesiredState(s1()).state;
    const ops = plan(EMPTY_STATE, desired);
    expect(ops.length).toBeGreaterThan(0);
    const after = applyPlanToState(EMPTY_STATE, { connection: 'wh', operations: ops }, { strict: true });
    expect(after).toEqual(desired);
    expect(plan(after, desired, desired)).toEqual([]);
    // Roles per policy, not grants per user: statement count grows with tables + users.
    expect(ops.filter((o) => o.kind === 'grant').length).toBeLessThanOrEqual(60 * 3);
    // Users reach the policies given to their group through the group's role: one membership
    // per user and two per group role (its read and write roles), not one per user and policy.
    expect(desired.memberships).toHaveLength(200 + 30 * 2);
    expect(desired.memberships.filter((m) => m.role === 'steward_g_grp1').map((m) => granteeKey(m.member))).toEqual(['u1', 'u121', 'u151', 'u181', 'u31', 'u61', 'u91']);
    expect(desired.memberships.filter((m) => granteeKey(m.member) === 'steward_g_grp1').map((m) => m.role)).toEqual(['steward_grp1_read_r', 'steward_grp1_write_w']);
    expect(ops.filter((o) => o.kind === 'grantMembership').length).toBeLessThanOrEqual(60);
  });

  it('moves users of an installation that predates group roles without a gap, and without tripping the safety valve', () => {
    const desired = computeDesiredState(s1()).state;
    // Before group roles every user was a member of each policy role of their groups.
    const groupOf = new Map(desired.memberships.filter((m) => m.role.startsWith('steward_g_')).map((m) => [granteeKey(m.member), m.role]));
    const policiesOf = (group: string) => desired.memberships.filter((m) => granteeKey(m.member) === group).map((m) => m.role);
    const old = state({
      ...desired,
      roles: desired.roles.filter((r) => r.purpose !== 'group'),
      memberships: [...groupOf].flatMap(([user, group]) => policiesOf(group).map((role) => ({ role, member: R(user) }))),
    });
    expect(old.memberships).toHaveLength(400);
    const p = planChanges(old, desired, { connection: 'wh', lastApplied: old, capabilities: PG });
    const kinds = p.operations.map((o) => o.kind);
    // Group roles made and granted first, users moved into them, and only then the old memberships revoked.
    expect(kinds.indexOf('revokeMembership')).toBeGreaterThan(kinds.lastIndexOf('grantMembership'));
    expect(kinds.lastIndexOf('createRole')).toBeLessThan(kinds.indexOf('grantMembership'));
    expect(p.operations.filter((o) => o.kind === 'revokeMembership').flatMap((o) => (o.kind === 'revokeMembership' ? o.members : []))).toHaveLength(200);
    expect(applyPlanToState(old, p, { strict: true })).toEqual(desired);
    // Nobody loses access: the ratio the safety valve checks counts none of those revocations.
    expect(revocationRatio(p, old, managedBy('steward_'), desired)).toBe(0);
    expect(revocationRatio(p, old, managedBy('steward_'))).toBeGreaterThan(0);
  });

  it('T3: one user joining one group is exactly one operation', () => {
    const before = computeDesiredState(s1()).state;
    const after = computeDesiredState(s1({ user: 'u7', group: 'grp12' })).state;
    expect(plan(before, after, before)).toEqual([{ kind: 'grantMembership', roles: ['steward_g_grp12'], members: [R('u7')] }]);
  });

  it('T8: on MariaDB, S1 converges with database grants, and a user joining a group is one statement', () => {
    // S1 on MariaDB: databases instead of schemas, protected whole.
    const my = (extra?: { user: string; group: string }): PolicyInput => {
      const base = s1(extra);
      const catalog = base.catalog.filter((e) => e.kind !== 'database').map((e) => ({ ...e, kind: e.kind === 'schema' ? ('database' as const) : e.kind, segments: e.segments.slice(1) }));
      const policies = base.policies.map((p) => (p.type === 'subscription' ? { ...p, on: { paths: p.on.paths!.map((x) => x.replace('wh/bench/', 'wh/')) } } : p));
      return { ...base, catalog, policies, options: { ...base.options, protect: ['wh/*'] }, capabilities: mariadbPlatform.capabilities };
    };
    const desired = computeDesiredState(my()).state;
    const ops = plan(EMPTY_STATE, desired);
    const after = applyPlanToState(EMPTY_STATE, { connection: 'wh', operations: ops }, { strict: true });
    expect(after).toEqual(desired);
    expect(plan(after, desired, desired)).toEqual([]);
    const sql = mariadbPlatform.compile({ connection: 'wh', operations: ops }, { ...DEFAULT_OPTIONS, rolePrefix: 'steward_' });
    // Per database one GRANT SELECT to its 3 reading roles and one write GRANT: nothing per table.
    expect(sql.filter((x) => / ON `s\d+`\.\* /.test(x.sql))).toHaveLength(20);
    expect(sql.filter((x) => / ON `s\d+`\.`/.test(x.sql))).toHaveLength(0);
    // A user joining a group: one GRANT of the group's role to their personal role.
    const joined = computeDesiredState(my({ user: 'u7', group: 'grp12' })).state;
    const change = plan(desired, joined, desired);
    expect(change).toEqual([{ kind: 'grantMembership', roles: ['steward_g_grp12'], members: [R('steward_u_u7')] }]);
    expect(mariadbPlatform.compile({ connection: 'wh', operations: change }, DEFAULT_OPTIONS).map((x) => x.sql)).toEqual(["GRANT 'steward_g_grp12' TO 'steward_u_u7'"]);
  });

  it('narrows a foreign database-level grant, and reports one it cannot revoke as blocked', () => {
    const db = (name: string, pattern = false): Grant['securable'] => ({ kind: 'database', segments: [name], ...(pattern ? { pattern: true as const } : {}) });
    const actual = state({
      grants: [
        { securable: db('shop'), grantee: A('bob'), privileges: ['SELECT'], narrowTo: [table('shop', 'free')] },
        { securable: db('sh_p', true), grantee: A('eve'), privileges: ['SELECT', 'INSERT'], revokeBlocked: 'needs the pattern' },
        { securable: db('shop'), grantee: A('carol'), privileges: ['SELECT'] },
      ],
    });
    const p = planChanges(actual, EMPTY_STATE, { connection: 'wh', lastApplied: null, capabilities: PG });
    expect(p.operations).toEqual([
      { kind: 'revoke', privileges: ['SELECT'], securables: [db('shop')], grantees: [A('carol')], drift: true },
      { kind: 'revoke', privileges: ['SELECT'], securables: [db('shop')], grantees: [A('bob')], narrowTo: [table('shop', 'free')], drift: true },
    ]);
    expect(p.blocked).toEqual([
      { operation: { kind: 'revoke', privileges: ['SELECT', 'INSERT'], securables: [db('sh_p', true)], grantees: [A('eve')], drift: true }, reason: 'needs the pattern' },
    ]);
    // A pattern and the exact database spelt the same are different securables.
    expect(state({ grants: [{ securable: db('sh_p', true), grantee: A('x'), privileges: ['SELECT'] }, { securable: db('sh_p'), grantee: A('x'), privileges: ['SELECT'] }] }).grants).toHaveLength(2);
  });

  it('drops group roles that are no longer desired', () => {
    const actual = state({ roles: [{ grantee: R('steward_g_sales'), purpose: 'group' }] });
    expect(plan(actual, EMPTY_STATE, actual)).toEqual([{ kind: 'dropRole', role: 'steward_g_sales' }]);
  });

  it('removing a table revokes it from every role in one operation', () => {
    const before = computeDesiredState(s1()).state;
    const input = s1();
    const after = computeDesiredState({ ...input, catalog: input.catalog.filter((e) => e.segments.join('.') !== 'bench.s1.t1') }).state;
    const ops = plan(before, after, before);
    expect(ops).toHaveLength(2); // read roles and write roles hold different privilege sets
    expect(ops.every((o) => o.kind === 'revoke' && o.securables.length === 1 && o.drift === undefined)).toBe(true);
  });

  it('classifies drift against the last apply', () => {
    const desired = computeDesiredState(s1()).state;
    // Someone ran GRANT SELECT ON s1.t1 TO u7, and revoked a membership by hand.
    const actual = state({
      ...desired,
      grants: [...desired.grants, ...grant('u7', ['SELECT'], ['bench', 's1', 't1'])],
      memberships: desired.memberships.filter((m) => !(granteeKey(m.member) === 'u1' && m.role === 'steward_g_grp1')),
    });
    const ops = plan(actual, desired, desired);
    expect(ops).toEqual([
      { kind: 'revoke', privileges: ['SELECT'], securables: [table('bench', 's1', 't1')], grantees: [R('u7')], drift: true },
      { kind: 'grantMembership', roles: ['steward_g_grp1'], members: [R('u1')], drift: true },
    ]);
    // A policy change is not drift.
    const input = s1();
    const fewer = computeDesiredState({ ...input, policies: input.policies.filter((p) => p.name !== 'grp1_read') }).state;
    expect(plan(desired, fewer, desired).some((o) => 'drift' in o)).toBe(false);
    // Without a last apply, anything to take away was not Steward's doing.
    expect(plan(actual, desired, null)[0]).toMatchObject({ kind: 'revoke', drift: true });
  });

  it('splits one grantee’s privileges into drift and non-drift parts', () => {
    const last = state({ roles: [{ grantee: R('r'), purpose: 'policy' }], grants: grant('r', ['SELECT'], ['d', 's', 't']) });
    const desired = state({ roles: last.roles, grants: grant('r', ['SELECT', 'INSERT'], ['d', 's', 't']) });
    const actual = state({ roles: last.roles });
    expect(plan(actual, desired, last)).toEqual([
      { kind: 'grant', privileges: ['INSERT'], securables: [table('d', 's', 't')], grantees: [R('r')] },
      { kind: 'grant', privileges: ['SELECT'], securables: [table('d', 's', 't')], grantees: [R('r')], drift: true },
    ]);
  });

  it('orders every revocation before every grant, privileges before memberships', () => {
    const actual = state({
      roles: [
        { grantee: R('alice'), purpose: 'principal' },
        { grantee: R('old'), purpose: 'policy' },
      ],
      memberships: [{ role: 'old', member: R('alice') }],
      grants: grant('old', ['SELECT'], ['d', 's', 'a']),
    });
    const desired = state({
      roles: [
        { grantee: R('alice'), purpose: 'principal' },
        { grantee: R('new'), purpose: 'policy' },
      ],
      memberships: [{ role: 'new', member: R('alice') }],
      grants: grant('new', ['SELECT'], ['d', 's', 'b']),
    });
    expect(plan(actual, desired, actual).map((o) => o.kind)).toEqual(['revokeMembership', 'revoke', 'dropRole', 'createRole', 'grant', 'grantMembership']);
  });

  it('never drops principals; drops policy and personal roles that are not desired', () => {
    const actual = state({
      roles: [
        { grantee: R('alice'), purpose: 'principal' },
        { grantee: R('steward_p_r'), purpose: 'policy' },
        { grantee: R('steward_u_alice'), purpose: 'personal' },
      ],
    });
    expect(plan(actual, EMPTY_STATE, actual)).toEqual([
      { kind: 'dropRole', role: 'steward_p_r' },
      { kind: 'dropRole', role: 'steward_u_alice' },
    ]);
    // A Steward-looking role the last apply never made is drift.
    expect(plan(actual, EMPTY_STATE, null)[0]).toEqual({ kind: 'dropRole', role: 'steward_p_r', drift: true });
    expect(plan(EMPTY_STATE, state({ roles: [{ grantee: R('bob'), purpose: 'principal' }] }))).toEqual([{ kind: 'createRole', role: R('bob'), purpose: 'principal' }]);
  });

  it('groups grants: same privileges and securables merge grantees; kinds and databases never mix', () => {
    const desired = state({
      roles: ['a', 'b', 'c'].map((name) => ({ grantee: R(name), purpose: 'policy' as const })),
      grants: [
        ...grant('a', ['SELECT'], ['d', 's', 't1'], ['d', 's', 't2'], ['e', 's', 't1']),
        ...grant('b', ['SELECT'], ['d', 's', 't1'], ['d', 's', 't2'], ['e', 's', 't1']),
        ...grant('c', ['SELECT'], ['d', 's', 't1']),
        { securable: { kind: 'schema', segments: ['d', 's'] }, grantee: R('a'), privileges: ['USAGE'] },
        { securable: { kind: 'schema', segments: ['d', 's'] }, grantee: R('b'), privileges: ['USAGE'] },
      ],
    });
    const ops = plan(state({ roles: desired.roles }), desired).filter((o) => o.kind === 'grant');
    expect(ops).toEqual([
      { kind: 'grant', privileges: ['USAGE'], securables: [{ kind: 'schema', segments: ['d', 's'] }], grantees: [R('a'), R('b')] },
      { kind: 'grant', privileges: ['SELECT'], securables: [table('d', 's', 't1'), table('d', 's', 't2')], grantees: [R('a'), R('b')] },
      { kind: 'grant', privileges: ['SELECT'], securables: [table('d', 's', 't1')], grantees: [R('c')] },
      { kind: 'grant', privileges: ['SELECT'], securables: [table('e', 's', 't1')], grantees: [R('a'), R('b')] },
    ]);
  });

  it('groups memberships by member, then merges members with the same roles', () => {
    const roles = ['r1', 'r2', 'r3', 'm1', 'm2', 'm3'].map((name) => ({ grantee: R(name), purpose: name.startsWith('r') ? ('policy' as const) : ('principal' as const) }));
    const desired = state({
      roles,
      memberships: [
        { role: 'r1', member: R('m1') },
        { role: 'r2', member: R('m1') },
        { role: 'r1', member: R('m2') },
        { role: 'r2', member: R('m2') },
        { role: 'r3', member: R('m3') },
      ],
    });
    expect(plan(state({ roles }), desired)).toEqual([
      { kind: 'grantMembership', roles: ['r1', 'r2'], members: [R('m1'), R('m2')] },
      { kind: 'grantMembership', roles: ['r3'], members: [R('m3')] },
    ]);
  });

  it('default privileges and default roles', () => {
    const roles = [
      { grantee: R('u'), purpose: 'principal' as const },
      { grantee: R('steward_u_u'), purpose: 'personal' as const },
      { grantee: R('steward_u_u2'), purpose: 'personal' as const },
      { grantee: R('p'), purpose: 'policy' as const },
    ];
    const actual = state({
      roles,
      defaultRoles: [{ user: R('u'), role: 'steward_u_u' }],
      defaultGrants: [{ database: 'd', schema: 's', owner: 'etl', objects: 'tables', grantee: R('p'), privileges: ['SELECT', 'INSERT'] }],
    });
    const desired = state({
      roles,
      defaultRoles: [{ user: R('u'), role: 'steward_u_u2' }],
      defaultGrants: [{ database: 'd', schema: 's', owner: 'etl', objects: 'tables', grantee: R('p'), privileges: ['SELECT'] }],
    });
    expect(plan(actual, desired, actual)).toEqual([
      { kind: 'setDefaultRole', user: R('u'), role: null },
      { kind: 'revokeDefault', database: 'd', schema: 's', owner: 'etl', objects: 'tables', privileges: ['INSERT'], grantees: [R('p')] },
      { kind: 'setDefaultRole', user: R('u'), role: 'steward_u_u2' },
    ]);
    // A default role Steward did not make is left alone unless one is desired.
    const foreign = state({ roles, defaultRoles: [{ user: R('u'), role: 'someone_elses' }] });
    expect(plan(foreign, state({ roles }))).toEqual([]);
  });
});

describe('filterDrift', () => {
  it('keeps drift out of the plan and lists it apart, holding back drops that need a drift revocation', () => {
    const actual = state({
      roles: [
        { grantee: R('gone'), purpose: 'policy' },
        { grantee: R('x'), purpose: 'principal' },
      ],
      grants: [...grant('gone', ['SELECT'], ['d', 's', 't']), ...grant('x', ['SELECT'], ['d', 's', 't'])],
    });
    const full = planChanges(actual, EMPTY_STATE, { connection: 'wh', lastApplied: state({ roles: [{ grantee: R('gone'), purpose: 'policy' }] }) });
    const { plan: kept, drift } = filterDrift(full);
    expect(kept.operations).toEqual([]);
    expect(drift.map((o) => o.kind)).toEqual(['revoke', 'dropRole']);
  });
});

describe('safety valve', () => {
  it('measures revoked memberships and privileges against managed access', () => {
    const actual = state({
      roles: [{ grantee: R('r'), purpose: 'policy' }],
      memberships: [{ role: 'r', member: R('a') }],
      grants: grant('r', ['SELECT', 'INSERT'], ['d', 's', 't1'], ['d', 's', 't2']),
    });
    const managed = managedBy('r');
    expect(countManagedAccess(actual, managed)).toBe(5);
    const desired = state({ roles: actual.roles, grants: grant('r', ['SELECT'], ['d', 's', 't1'], ['d', 's', 't2']) });
    expect(revocationRatio(planChanges(actual, desired, { connection: 'wh', lastApplied: null }), actual, managed)).toBeCloseTo(3 / 5);
    expect(revocationRatio(planChanges(EMPTY_STATE, desired, { connection: 'wh', lastApplied: null }), EMPTY_STATE, managed)).toBe(0);
  });

  it('counts only access Steward manages: foreign grants to revoke are drift, not a wipe', () => {
    // A first apply on a database where others hold grants on protected tables.
    const actual = state({ grants: [...grant('bob', ['SELECT'], ['d', 's', 't1']), ...grant('carol', ['SELECT'], ['d', 's', 't2'])] });
    const desired = state({ roles: [{ grantee: R('steward_p_r'), purpose: 'policy' }], grants: grant('steward_p_r', ['SELECT'], ['d', 's', 't1']) });
    const p = planChanges(actual, desired, { connection: 'wh', lastApplied: null });
    expect(p.operations.filter((o) => o.kind === 'revoke')).toHaveLength(2);
    expect(revocationRatio(p, actual, managedBy('steward_'))).toBe(0);
  });
});
