import { describe, expect, it } from 'vitest';
import { roleGrantee as R, accountGrantee, granteeName } from '../../src/domain/access.js';
import type { AccessState, Grant } from '../../src/domain/access.js';
import { DEFAULT_OPTIONS, type ConnectionOptions } from '../../src/domain/connection.js';
import type { User } from '../../src/domain/identity.js';
import type { Condition, Policy, Selector } from '../../src/domain/policy.js';
import { computeDesiredState } from '../../src/policy/desired-state.js';
import type { CatalogEntry, PolicyInput } from '../../src/policy/input.js';
import { policyRoleName } from '../../src/policy/role-names.js';
import { canonicalizeState } from '../../src/domain/canonical-state.js';
import { postgresCapabilities as PG } from '../../src/platforms/postgres/capabilities.js';
import { mariadbPlatform, mysqlPlatform } from '../../src/platforms/mysql/index.js';

const MARIADB = mariadbPlatform.capabilities;
const MYSQL8 = mysqlPlatform.capabilities;


const user = (name: string, groups: string[] = [], extra: Partial<User> = {}): User => ({
  name,
  email: `${name}@example.com`,
  groups,
  attributes: {},
  principals: {},
  ...extra,
});
const rel = (segments: string[], kind: CatalogEntry['kind'] = 'table', tags: string[] = [], owner: string | null = 'etl'): CatalogEntry => ({
  segments,
  kind,
  owner,
  tags,
  columns: [],
});
const container = (segments: string[], tags: string[] = []): CatalogEntry => ({
  segments,
  kind: segments.length === 1 ? 'database' : 'schema',
  owner: 'etl',
  tags,
  columns: [],
});
const sub = (name: string, to: Condition, on: Selector, access: 'read' | 'write' = 'read', expires?: string): Policy => ({
  name,
  type: 'subscription',
  access,
  to,
  on,
  ...(expires ? { expires } : {}),
});
const guard = (name: string, to: Condition, on: Selector): Policy => ({ name, type: 'guardrail', to, on });

const catalog: CatalogEntry[] = [
  container(['shop']),
  container(['shop', 'public']),
  rel(['shop', 'public', 'orders'], 'table', ['sales']),
  rel(['shop', 'public', 'customers'], 'table', ['pii']),
  rel(['shop', 'public', 'v_orders'], 'view', ['sales']),
  rel(['shop', 'public', 'mv'], 'materialized_view', ['sales']),
  rel(['shop', 'staging', 'raw'], 'table', ['sales']),
];

function input(over: Partial<PolicyInput> & { protect?: string[]; opts?: Partial<ConnectionOptions> } = {}): PolicyInput {
  return {
    connection: 'wh',
    options: { ...DEFAULT_OPTIONS, protect: over.protect ?? ['wh/shop/public/*'], ...over.opts },
    capabilities: over.capabilities ?? PG,
    catalog: over.catalog ?? catalog,
    users: over.users ?? [user('alice', ['analysts']), user('bob', ['eng']), user('carol', ['analysts', 'eng'])],
    policies: over.policies ?? [],
    now: over.now ?? new Date('2025-06-01T00:00:00Z'),
    systemAccount: over.systemAccount ?? 'steward',
  };
}

const role = (policy: string, access: 'read' | 'write' = 'read', guardrails: string[] = []): string =>
  policyRoleName({ prefix: 'steward_', policy, access, guardrails, maxLength: 63 });
const grantsOf = (s: AccessState, grantee: string): string[] =>
  s.grants.filter((g) => granteeName(g.grantee) === grantee).map((g: Grant) => `${g.securable.kind}:${g.securable.segments.join('.')}:${g.privileges.join(',')}`);
const membersOf = (s: AccessState, r: string): string[] => s.memberships.filter((m) => m.role === r).map((m) => granteeName(m.member)!);
/** The logins (not Steward's roles) that reach a role, directly or through roles that are its members (a group's role). */
const loginsOf = (s: AccessState, r: string): string[] => {
  const out = new Set<string>();
  const walk = (role: string, depth: number): void => {
    for (const m of membersOf(s, role)) {
      if (m.startsWith('steward_')) {
        if (depth < 8) walk(m, depth + 1);
      } else out.add(m);
    }
  };
  walk(r, 0);
  return [...out].sort();
};
/** The roles a login reaches, directly or through a group's role. */
const rolesOfLogin = (s: AccessState, login: string): string[] => {
  const out = new Set<string>();
  const walk = (member: string, depth: number): void => {
    for (const m of s.memberships) {
      if (granteeName(m.member) !== member || out.has(m.role)) continue;
      out.add(m.role);
      if (depth < 8) walk(m.role, depth + 1);
    }
  };
  walk(login, 0);
  return [...out].sort();
};

describe('computeDesiredState', () => {
  it('read and write roles; views and materialized views read only; containers reachable', () => {
    const { state } = computeDesiredState(
      input({ policies: [sub('readers', { groups: ['analysts'] }, { tags: ['sales'] }), sub('writers', { groups: ['eng'] }, { paths: ['wh/shop/public/*'] }, 'write')] }),
    );
    expect(grantsOf(state, role('readers'))).toEqual([
      'database:shop:CONNECT',
      'schema:shop.public:USAGE',
      'table:shop.public.mv:SELECT',
      'table:shop.public.orders:SELECT',
      'table:shop.public.v_orders:SELECT',
    ]);
    expect(grantsOf(state, role('writers', 'write'))).toEqual([
      'database:shop:CONNECT',
      'schema:shop.public:USAGE',
      'table:shop.public.customers:SELECT,INSERT,UPDATE,DELETE,TRUNCATE',
      'table:shop.public.mv:SELECT',
      'table:shop.public.orders:SELECT,INSERT,UPDATE,DELETE,TRUNCATE',
      'table:shop.public.v_orders:SELECT',
    ]);
    // Unprotected `staging.raw` carries the tag but gets nothing.
    expect(state.grants.some((g) => g.securable.segments.includes('staging'))).toBe(false);
    expect(loginsOf(state, role('readers'))).toEqual(['alice', 'carol']);
    // A policy given to a whole group reaches its users through the group's role (one
    // membership per user and group, whatever the number of the group's policies).
    expect(membersOf(state, role('readers'))).toEqual(['steward_g_analysts']);
    expect(membersOf(state, 'steward_g_analysts')).toEqual(['alice', 'carol']);
    expect(state.roles.filter((r) => r.purpose === 'group').map((r) => granteeName(r.grantee))).toEqual(['steward_g_analysts', 'steward_g_eng']);
    expect(loginsOf(state, role('writers', 'write'))).toEqual(['bob', 'carol']);
    expect(state.roles).toEqual([
      { grantee: R('alice'), purpose: 'principal' },
      { grantee: R('bob'), purpose: 'principal' },
      { grantee: R('carol'), purpose: 'principal' },
      { grantee: R('steward_g_analysts'), purpose: 'group' },
      { grantee: R('steward_g_eng'), purpose: 'group' },
      { grantee: R(role('readers')), purpose: 'policy' },
      { grantee: R(role('writers', 'write')), purpose: 'policy' },
    ]);
    expect(state).toEqual(canonicalizeState(state));
  });

  it('OR across policies: a user matching two policies is a member of both roles', () => {
    const { state } = computeDesiredState(
      input({ policies: [sub('a', { groups: ['analysts'] }, { paths: ['wh/shop/public/orders'] }), sub('b', { users: ['alice'] }, { paths: ['wh/shop/public/customers'] })] }),
    );
    expect(rolesOfLogin(state, 'alice').filter((r) => !r.startsWith('steward_g_'))).toEqual([role('a'), role('b')]);
  });

  it('guardrails AND: the guarded part of a policy gets its own role with only the users meeting every guardrail', () => {
    const users = [user('alice', ['analysts'], { attributes: { training: ['pii'] } }), user('carol', ['analysts'])];
    const { state, explain } = computeDesiredState(
      input({
        users,
        policies: [sub('all-public', { groups: ['analysts'] }, { paths: ['wh/shop/public/*'] }), guard('pii-trained', { attributes: { training: ['pii'] } }, { tags: ['pii'] })],
      }),
    );
    const plain = role('all-public');
    const guarded = role('all-public', 'read', ['pii-trained']);
    expect(grantsOf(state, guarded)).toEqual(['database:shop:CONNECT', 'schema:shop.public:USAGE', 'table:shop.public.customers:SELECT']);
    expect(grantsOf(state, plain)).not.toContain('table:shop.public.customers:SELECT');
    expect(loginsOf(state, plain)).toEqual(['alice', 'carol']);
    expect(loginsOf(state, guarded)).toEqual(['alice']);
    expect(explain.roles.find((r) => r.role === guarded)).toEqual({ role: guarded, purpose: 'policy', policy: 'all-public', access: 'read', guardrails: ['pii-trained'] });
  });

  it('expired subscriptions grant nothing', () => {
    const policies = [sub('temp', { anyone: true }, { all: true }, 'read', '2025-05-31T23:59:59Z')];
    expect(computeDesiredState(input({ policies })).state.roles).toEqual([]);
    expect(computeDesiredState(input({ policies, now: new Date('2025-05-01T00:00:00Z') })).state.roles).toHaveLength(4);
  });

  it('a user without a principal gets nothing; the system account and ignored grantees are never governed', () => {
    const users = [
      user('nomail', ['analysts'], { email: null }),
      user('svc', ['analysts'], { principals: { wh: 'steward' } }),
      user('ignored', ['analysts'], { principals: { wh: 'dba' } }),
      user('dave', ['analysts'], { email: 'd.smith@example.com' }),
    ];
    const { state, scope } = computeDesiredState(
      input({ users, policies: [sub('p', { groups: ['analysts'] }, { all: true })], opts: { principalTemplate: '{email.local}', ignoreGrantees: ['dba'] } }),
    );
    expect(loginsOf(state, role('p'))).toEqual(['d.smith']);
    expect(state.memberships.map((m) => m.member)).toEqual([R('d.smith'), R('steward_g_analysts')]);
    expect(scope.principals).toEqual([R('d.smith')]);
    expect(scope.ignoredGrantees).toEqual(['dba', 'steward']);
  });

  it('scope: every governed principal, every protected relation and their containers', () => {
    const { scope } = computeDesiredState(input({ policies: [] }));
    expect(scope.rolePrefix).toBe('steward_');
    expect(scope.principals).toEqual([R('alice'), R('bob'), R('carol')]);
    expect(scope.protectedTables.map((t) => t.segments.join('.'))).toEqual(['shop.public.customers', 'shop.public.mv', 'shop.public.orders', 'shop.public.v_orders']);
    expect(scope.containers).toEqual([
      { kind: 'database', segments: ['shop'] },
      { kind: 'schema', segments: ['shop', 'public'] },
    ]);
  });

  it('MariaDB: a personal default role for every governed user, group roles for policies given to groups', () => {
    const cat = [rel(['shop', 'orders'], 'table', ['sales']), rel(['shop', 'v'], 'view', ['sales'])];
    const { state } = computeDesiredState(
      input({
        capabilities: MARIADB,
        catalog: cat,
        protect: ['wh/shop'],
        policies: [sub('r', { groups: ['analysts'] }, { tags: ['sales'] }), sub('w', { users: ['alice'] }, { all: true }, 'write')],
      }),
    );
    // Every governed user has a personal role from the start (bob has no access yet): a first
    // access is then one membership grant, not a new role, a membership and a default role.
    expect(state.roles.filter((r) => r.purpose === 'personal').map((r) => granteeName(r.grantee))).toEqual(['steward_u_alice', 'steward_u_bob', 'steward_u_carol']);
    // A policy given to a group reaches its users through the group's role: joining is one GRANT.
    expect(state.roles.filter((r) => r.purpose === 'group').map((r) => granteeName(r.grantee))).toEqual(['steward_g_analysts']);
    expect(membersOf(state, 'steward_r_r')).toEqual(['steward_g_analysts']);
    expect(membersOf(state, 'steward_g_analysts')).toEqual(['steward_u_alice', 'steward_u_carol']);
    // Other conditions name the users' personal roles.
    expect(membersOf(state, 'steward_w_w')).toEqual(['steward_u_alice']);
    expect(membersOf(state, 'steward_u_alice')).toEqual(['alice']);
    expect(membersOf(state, 'steward_u_bob')).toEqual(['bob']);
    // On MariaDB a principal is the account at the connection's host pattern.
    expect(state.defaultRoles).toEqual([
      { user: accountGrantee('alice', '%'), role: 'steward_u_alice' },
      { user: accountGrantee('bob', '%'), role: 'steward_u_bob' },
      { user: accountGrantee('carol', '%'), role: 'steward_u_carol' },
    ]);
    // The write policy covers the whole protected database: granted on it, read-only there
    // because it holds a view (never written); the table gets the write privileges by name.
    expect(grantsOf(state, 'steward_w_w')).toEqual(['database:shop:SELECT', 'table:shop.orders:SELECT,INSERT,UPDATE,DELETE']);
    // The tag selects today's tables, not future ones: table by table.
    expect(grantsOf(state, 'steward_r_r')).toEqual(['table:shop.orders:SELECT', 'table:shop.v:SELECT']);
    expect(state.defaultGrants).toEqual([]);
    expect(state).toEqual(canonicalizeState(state));
  });

  it('MariaDB: a policy over a whole protected database is one database grant, future tables included', () => {
    const cat = [container(['empty']), rel(['shop', 'a']), rel(['shop', 'b']), rel(['part', 'x']), rel(['part', 'y']), rel(['part', 'z'])];
    const policies = [
      sub('all_w', { groups: ['eng'] }, { paths: ['wh/shop/*', 'wh/empty/*', 'wh/part/*'] }, 'write'),
      sub('some_r', { groups: ['analysts'] }, { paths: ['wh/part/x'] }),
    ];
    const { state, scope } = computeDesiredState(input({ capabilities: MARIADB, catalog: cat, protect: ['wh/shop', 'wh/empty', 'wh/part/x', 'wh/part/y'], policies }));
    // shop and the (still empty) database are protected whole: one grant each; `part` is
    // protected in part, so its protected tables are granted one by one.
    expect(grantsOf(state, 'steward_all_w_w')).toEqual([
      'database:empty:SELECT,INSERT,UPDATE,DELETE',
      'database:shop:SELECT,INSERT,UPDATE,DELETE',
      'table:part.x:SELECT,INSERT,UPDATE,DELETE',
      'table:part.y:SELECT,INSERT,UPDATE,DELETE',
    ]);
    expect(grantsOf(state, 'steward_some_r_r')).toEqual(['table:part.x:SELECT']);
    expect(scope.protectedDatabases).toEqual(['empty', 'shop']);
    // What a foreign grant on `part` is narrowed to.
    expect(scope.unprotectedTables).toEqual([{ kind: 'table', segments: ['part', 'z'] }]);
    // PostgreSQL has no database-level table grants: nothing of this there.
    const pg = computeDesiredState(input({ catalog: [container(['shop']), rel(['shop', 'public', 'a'])], protect: ['wh/shop'], policies }));
    expect(pg.state.grants.filter((g) => g.securable.kind === 'database').map((g) => g.privileges)).toEqual([['CONNECT']]);
    expect(pg.scope.unprotectedTables).toBeUndefined();
  });

  it('MariaDB: the database grant goes to the role every guardrail in the database restricts', () => {
    const cat = [rel(['shop', 'a'], 'table', ['pii']), rel(['shop', 'b']), rel(['shop', 'c'])];
    const { state } = computeDesiredState(
      input({
        capabilities: MARIADB,
        catalog: cat,
        protect: ['wh/shop'],
        policies: [sub('p', { groups: ['analysts'] }, { all: true }), guard('pii-ok', { users: ['carol'] }, { tags: ['pii'] })],
      }),
    );
    const guarded = policyRoleName({ prefix: 'steward_', policy: 'p', access: 'read', guardrails: ['pii-ok'], maxLength: 128 });
    // The guarded role reaches the whole database (a, b, c and future tables) …
    expect(grantsOf(state, guarded)).toEqual(['database:shop:SELECT']);
    expect(membersOf(state, guarded)).toEqual(['steward_u_carol']);
    // … the unguarded one only the tables without the guardrail, by name.
    expect(grantsOf(state, 'steward_p_r')).toEqual(['table:shop.b:SELECT', 'table:shop.c:SELECT']);
    expect(membersOf(state, 'steward_p_r')).toEqual(['steward_g_analysts']);
  });

  it('MariaDB: a database whose escaped name is too long for a database grant is granted table by table', () => {
    const long = `${'d'.repeat(60)}_x_y`;
    const { state } = computeDesiredState(
      input({ capabilities: MARIADB, catalog: [rel([long, 'a'])], protect: [`wh/${long}`], policies: [sub('p', { anyone: true }, { all: true })] }),
    );
    expect(grantsOf(state, 'steward_p_r')).toEqual([`table:${long}.a:SELECT`]);
  });

  it('MySQL 8 uses the same personal-role design and its 32-character limit', () => {
    const { state } = computeDesiredState(
      input({ capabilities: MYSQL8, catalog: [rel(['shop', 'orders'])], protect: ['wh/shop'], policies: [sub('a-very-long-policy-name-for-mysql', { anyone: true }, { all: true })] }),
    );
    expect(state.defaultRoles.map((d) => granteeName(d.user))).toEqual(['alice', 'bob', 'carol']);
    for (const r of state.roles) expect(granteeName(r.grantee)!.length).toBeLessThanOrEqual(32);
  });

  it('default privileges: for all/path selectors covering future tables, per relation owner, to the guardrail partition of future tables', () => {
    const cat = [
      container(['shop']),
      container(['shop', 'public']),
      container(['shop', 'secret'], ['pii']),
      rel(['shop', 'public', 'a'], 'table', ['sales'], 'etl'),
      rel(['shop', 'public', 'b'], 'table', [], 'loader'),
      rel(['shop', 'public', 'c'], 'table', [], null),
      rel(['shop', 'secret', 's'], 'table', [], 'etl'),
    ];
    const { state } = computeDesiredState(
      input({
        catalog: cat,
        protect: ['wh/shop/*/*'],
        policies: [
          sub('by-path', { groups: ['analysts'] }, { paths: ['wh/shop/public/*'] }, 'write'),
          sub('by-tag', { groups: ['analysts'] }, { tags: ['sales'] }),
          sub('everything', { groups: ['eng'] }, { all: true }),
          guard('pii-ok', { users: ['bob'] }, { tags: ['pii'] }),
        ],
      }),
    );
    const w = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];
    expect(state.defaultGrants).toEqual([
      // Writers also get USAGE on future sequences, so that a new table's serial column works.
      { database: 'shop', schema: 'public', owner: 'etl', objects: 'sequences', grantee: R(role('by-path', 'write')), privileges: ['USAGE'] },
      { database: 'shop', schema: 'public', owner: 'etl', objects: 'tables', grantee: R(role('by-path', 'write')), privileges: w },
      { database: 'shop', schema: 'public', owner: 'etl', objects: 'tables', grantee: R(role('everything')), privileges: ['SELECT'] },
      { database: 'shop', schema: 'public', owner: 'loader', objects: 'sequences', grantee: R(role('by-path', 'write')), privileges: ['USAGE'] },
      { database: 'shop', schema: 'public', owner: 'loader', objects: 'tables', grantee: R(role('by-path', 'write')), privileges: w },
      { database: 'shop', schema: 'public', owner: 'loader', objects: 'tables', grantee: R(role('everything')), privileges: ['SELECT'] },
      // The schema is tagged pii: its future tables inherit the guardrail, so the guarded role gets them.
      { database: 'shop', schema: 'secret', owner: 'etl', objects: 'tables', grantee: R(role('everything', 'read', ['pii-ok'])), privileges: ['SELECT'] },
    ]);
    expect(membersOf(state, role('everything', 'read', ['pii-ok']))).toEqual(['bob']);
  });

  it('no default privileges when the protect globs do not cover future tables, or the platform has none', () => {
    const policies = [sub('p', { anyone: true }, { all: true })];
    expect(computeDesiredState(input({ policies, protect: ['wh/shop/public/orders'] })).state.defaultGrants).toEqual([]);
    expect(computeDesiredState(input({ policies, capabilities: { ...PG, defaultPrivileges: false } })).state.defaultGrants).toEqual([]);
    expect(computeDesiredState(input({ policies })).state.defaultGrants).toHaveLength(1);
  });

  it('is deterministic: the order of inputs does not matter', () => {
    const policies = [
      sub('a', { groups: ['analysts'] }, { tags: ['sales'] }),
      sub('b', { anyone: true }, { paths: ['wh/shop/**'] }, 'write'),
      guard('g', { groups: ['eng'] }, { tags: ['pii'] }),
    ];
    const one = computeDesiredState(input({ policies }));
    const two = computeDesiredState(
      input({ policies: [...policies].reverse(), catalog: [...catalog].reverse(), users: [user('carol', ['eng', 'analysts']), user('bob', ['eng']), user('alice', ['analysts'])] }),
    );
    expect(two).toEqual(one);
    expect(one.state).toEqual(canonicalizeState(one.state));
  });

  it('refuses a login that would collide with a Steward role', () => {
    const users = [user('alice', ['analysts'], { principals: { wh: role('p') } })];
    expect(() => computeDesiredState(input({ users, policies: [sub('p', { anyone: true }, { all: true })] }))).toThrow(/same role name/);
  });

  it('S1 shape: roles per group, grants grow with tables + users, not tables × users', () => {
    const cat: CatalogEntry[] = [container(['bench'])];
    for (let s = 1; s <= 10; s++) {
      cat.push(container(['bench', `s${s}`]));
      for (let t = 1; t <= 50; t++) cat.push(rel(['bench', `s${s}`, `t${t}`]));
    }
    const users = Array.from({ length: 200 }, (_v, j) => user(`u${j + 1}`, [`grp${(j % 30) + 1}`]));
    const policies: Policy[] = [];
    for (let g = 1; g <= 30; g++) {
      const reads = [0, 1, 2].map((k) => `wh/bench/s${((g + k) % 10) + 1}/*`);
      policies.push(sub(`grp${g}-read`, { groups: [`grp${g}`] }, { paths: reads }));
      policies.push(sub(`grp${g}-write`, { groups: [`grp${g}`] }, { paths: [`wh/bench/s${((g + 3) % 10) + 1}/*`] }, 'write'));
    }
    const { state } = computeDesiredState(input({ catalog: cat, users, policies, protect: ['wh/bench/*/*'] }));
    expect(state.roles.filter((r) => r.purpose === 'policy')).toHaveLength(60);
    // 200 users in their group's role, each of the 30 group roles in its two policy roles.
    expect(state.memberships).toHaveLength(200 + 60);
    // 30 × (150 read + 50 write) table grants + 60 CONNECT + 30 × 4 USAGE.
    expect(state.grants).toHaveLength(30 * 200 + 60 + 120);
    // 30 read schemas × 3 + 30 write schemas × (tables + sequences)
    expect(state.defaultGrants).toHaveLength(150);
  });
});

describe('computeDesiredState input errors', () => {
  it('names the field of a malformed glob', () => {
    expect(() => computeDesiredState(input({ protect: ['wh/shop/\\'] }))).toThrow(/connections\.wh\.protect/);
    expect(() => computeDesiredState(input({ policies: [sub('bad', { anyone: true }, { paths: ['wh//x'] })] }))).toThrow(/policy "bad": on\.paths/);
  });
});

describe('computeDesiredState robustness', () => {
  it('a relation listed twice is granted once', () => {
    const twice = [...catalog, rel(['shop', 'public', 'orders'], 'table', ['sales'])];
    const { state } = computeDesiredState(input({ catalog: twice, policies: [sub('p', { anyone: true }, { all: true })] }));
    expect(state).toEqual(canonicalizeState(state));
    expect(state.grants.filter((g) => g.securable.segments.join('.') === 'shop.public.orders')).toHaveLength(1);
  });
});
