import { describe, expect, it } from 'vitest';
import { accountGrantee, PUBLIC_GRANTEE, roleGrantee as R } from '../../src/domain/access.js';

const A = (user: string, host = '%') => accountGrantee(user, host);
import type { Securable } from '../../src/domain/access.js';
import { DEFAULT_OPTIONS, type ConnectionOptions } from '../../src/domain/connection.js';
import { StewardError } from '../../src/domain/errors.js';
import type { Operation, Plan } from '../../src/domain/plan.js';
import { mariadbPlatform, mysqlPlatform } from '../../src/platforms/mysql/index.js';

const options: ConnectionOptions = { ...DEFAULT_OPTIONS };
const table = (db: string, t: string): Securable => ({ kind: 'table', segments: [db, t] });
const plan = (...operations: Operation[]): Plan => ({ connection: 'shop', operations });
const sqlOf = (p: Plan, platform = mariadbPlatform, opts = options): string[] => platform.compile(p, opts).map((s) => s.sql);

/** A plan touching every operation kind MySQL supports, revokes first as the planner orders it. */
const FULL = plan(
  { kind: 'revoke', privileges: ['SELECT'], securables: [table('shop', 'orders')], grantees: [R('steward_old_r'), A('bob', 'localhost')], drift: true },
  { kind: 'revokeMembership', roles: ['steward_old_r'], members: [R('steward_u_alice')] },
  { kind: 'setDefaultRole', user: A('bob'), role: null },
  { kind: 'dropRole', role: 'steward_old_r' },
  { kind: 'createRole', role: R('steward_analysts_read_r'), purpose: 'policy' },
  { kind: 'createRole', role: R('steward_u_alice'), purpose: 'personal' },
  { kind: 'createRole', role: A('alice'), purpose: 'principal' },
  { kind: 'grant', privileges: ['INSERT', 'SELECT'], securables: [table('shop', 'orders'), table('shop', 'customers')], grantees: [R('steward_analysts_read_r'), R('steward_x')] },
  { kind: 'grantMembership', roles: ['steward_analysts_read_r', 'steward_sales_r'], members: [R('steward_u_alice'), R('steward_u_bob')] },
  { kind: 'grantMembership', roles: ['steward_u_alice'], members: [A('alice')] },
  { kind: 'setDefaultRole', user: A('alice'), role: 'steward_u_alice' },
);

describe('compile (MariaDB)', () => {
  it('compiles every operation kind to the exact SQL, in operation order', () => {
    expect(mariadbPlatform.compile(FULL, options)).toEqual([
      { sql: "REVOKE SELECT ON `shop`.`orders` FROM 'steward_old_r', 'bob'@'localhost'", database: null, op: 0 },
      { sql: "REVOKE 'steward_old_r' FROM 'steward_u_alice'", database: null, op: 1 },
      { sql: "SET DEFAULT ROLE NONE FOR 'bob'@'%'", database: null, op: 2 },
      { sql: "DROP ROLE IF EXISTS 'steward_old_r'", database: null, op: 3 },
      { sql: "CREATE ROLE IF NOT EXISTS 'steward_analysts_read_r'", database: null, op: 4 },
      { sql: "CREATE ROLE IF NOT EXISTS 'steward_u_alice'", database: null, op: 5 },
      { sql: "CREATE USER IF NOT EXISTS 'alice'@'%' ACCOUNT LOCK", database: null, op: 6 },
      { sql: "GRANT SELECT, INSERT ON `shop`.`orders` TO 'steward_analysts_read_r', 'steward_x'", database: null, op: 7 },
      { sql: "GRANT SELECT, INSERT ON `shop`.`customers` TO 'steward_analysts_read_r', 'steward_x'", database: null, op: 7 },
      { sql: "GRANT 'steward_analysts_read_r' TO 'steward_u_alice', 'steward_u_bob'", database: null, op: 8 },
      { sql: "GRANT 'steward_sales_r' TO 'steward_u_alice', 'steward_u_bob'", database: null, op: 8 },
      { sql: "GRANT 'steward_u_alice' TO 'alice'@'%'", database: null, op: 9 },
      { sql: "SET DEFAULT ROLE 'steward_u_alice' FOR 'alice'@'%'", database: null, op: 10 },
    ]);
  });

  it('quotes hostile names: backticks, quotes, backslashes, spaces, unicode', () => {
    const opts = { ...options, hostPattern: "10.0.'%" };
    const sql = sqlOf(
      plan(
        { kind: 'createRole', role: R("steward_it's \\ `x` é"), purpose: 'policy' },
        { kind: 'createRole', role: A("o'brien\\x", "10.0.'%"), purpose: 'principal' },
        { kind: 'grant', privileges: ['SELECT'], securables: [table('sh op', "we`ird 't' \\ /*é表")], grantees: [R("steward_it's \\ `x` é")] },
        { kind: 'grantMembership', roles: ["steward_it's \\ `x` é"], members: [A("o'brien\\x", "10.0.'%")] },
        { kind: 'setDefaultRole', user: A("o'brien\\x", "10.0.'%"), role: "steward_it's \\ `x` é" },
      ),
      mariadbPlatform,
      opts,
    );
    expect(sql).toEqual([
      "CREATE ROLE IF NOT EXISTS 'steward_it''s \\\\ `x` é'",
      "CREATE USER IF NOT EXISTS 'o''brien\\\\x'@'10.0.''%' ACCOUNT LOCK",
      "GRANT SELECT ON `sh op`.`we``ird 't' \\ /*é表` TO 'steward_it''s \\\\ `x` é'",
      "GRANT 'steward_it''s \\\\ `x` é' TO 'o''brien\\\\x'@'10.0.''%'",
      "SET DEFAULT ROLE 'steward_it''s \\\\ `x` é' FOR 'o''brien\\\\x'@'10.0.''%'",
    ]);
  });

  it('grants on a database as `db`.*, and names non-Steward roles and foreign hosts by their literal', () => {
    expect(
      sqlOf(
        plan(
          { kind: 'revoke', privileges: ['SELECT', 'DELETE'], securables: [{ kind: 'database', segments: ['shop'] }], grantees: [R('steward_r')] },
          { kind: 'revoke', privileges: ['SELECT'], securables: [table('shop', 't')], grantees: [R('analyst'), A('carol', 'localhost'), A('dave')] },
        ),
      ),
    ).toEqual(["REVOKE SELECT, DELETE ON `shop`.* FROM 'steward_r'", "REVOKE SELECT ON `shop`.`t` FROM 'analyst', 'carol'@'localhost', 'dave'@'%'"]);
  });

  it('escapes wildcards in an exact database name, writes a stored pattern verbatim', () => {
    const db = (name: string, pattern = false): Securable => ({ kind: 'database', segments: [name], ...(pattern ? { pattern: true as const } : {}) });
    expect(
      sqlOf(
        plan(
          { kind: 'grant', privileges: ['SELECT'], securables: [db('my_db'), db('100%'), db('a\\b'), db('we`ird_x')], grantees: [R('steward_r')] },
          { kind: 'revoke', privileges: ['SELECT'], securables: [db('my_db', true), db('shop%', true)], grantees: [A('bob')] },
        ),
      ),
    ).toEqual([
      // Unescaped, `my_db` would also reach `myXdb`.
      "GRANT SELECT ON `my\\_db`.* TO 'steward_r'",
      "GRANT SELECT ON `100\\%`.* TO 'steward_r'",
      "GRANT SELECT ON `a\\\\b`.* TO 'steward_r'",
      "GRANT SELECT ON `we``ird\\_x`.* TO 'steward_r'",
      // What someone else granted on a pattern is revoked on that very pattern (the stored row).
      "REVOKE SELECT ON `my_db`.* FROM 'bob'@'%'",
      "REVOKE SELECT ON `shop%`.* FROM 'bob'@'%'",
    ]);
    // An escaped name past mysql.db's 64 characters is refused, never cut into a wider pattern.
    expect(() => sqlOf(plan({ kind: 'grant', privileges: ['SELECT'], securables: [db(`${'a'.repeat(63)}_`)], grantees: [R('steward_r')] }))).toThrow(StewardError);
  });

  it('revokes column privileges per column', () => {
    const col = (t: string, c: string): Securable => ({ kind: 'column', segments: ['shop', t, c] });
    expect(
      sqlOf(plan({ kind: 'revoke', privileges: ['SELECT', 'UPDATE'], securables: [col('customers', 'email'), col('c`x', "it's")], grantees: [A('eve'), R('analyst')] })),
    ).toEqual([
      "REVOKE SELECT (`email`), UPDATE (`email`) ON `shop`.`customers` FROM 'eve'@'%', 'analyst'",
      "REVOKE SELECT (`it's`), UPDATE (`it's`) ON `shop`.`c``x` FROM 'eve'@'%', 'analyst'",
    ]);
  });

  it('narrows a database-level grant: grants what it reached outside the scope first, then revokes it', () => {
    const op: Operation = {
      kind: 'revoke',
      privileges: ['SELECT', 'INSERT'],
      securables: [{ kind: 'database', segments: ['shop%'], pattern: true }],
      grantees: [A('bob')],
      narrowTo: [
        { kind: 'table', segments: ['shop', 'free'] },
        { kind: 'database', segments: ['shop_archive'] },
      ],
      drift: true,
    };
    expect(sqlOf(plan(op))).toEqual([
      "GRANT SELECT, INSERT ON `shop`.`free` TO 'bob'@'%'",
      "GRANT SELECT, INSERT ON `shop\\_archive`.* TO 'bob'@'%'",
      "REVOKE SELECT, INSERT ON `shop%`.* FROM 'bob'@'%'",
    ]);
  });

  it('uses the configured role prefix and host pattern', () => {
    const opts = { ...options, rolePrefix: 'gov_', hostPattern: 'localhost' };
    expect(
      sqlOf(
        plan({ kind: 'grantMembership', roles: ['gov_u_steward_x'], members: [A('steward_x', 'localhost')] }, { kind: 'createRole', role: R('gov_r'), purpose: 'policy' }),
        mariadbPlatform,
        opts,
      ),
    ).toEqual(["GRANT 'gov_u_steward_x' TO 'steward_x'@'localhost'", "CREATE ROLE IF NOT EXISTS 'gov_r'"]);
  });

  it('drops CONNECT/USAGE (no MySQL counterpart) and emits nothing for empty operations', () => {
    expect(
      sqlOf(
        plan(
          { kind: 'grant', privileges: ['CONNECT'], securables: [{ kind: 'database', segments: ['shop'] }], grantees: [R('steward_r')] },
          { kind: 'grant', privileges: ['USAGE', 'SELECT'], securables: [table('shop', 't')], grantees: [R('steward_r')] },
          { kind: 'grant', privileges: ['SELECT'], securables: [table('shop', 't')], grantees: [] },
          { kind: 'grantMembership', roles: [], members: [R('alice')] },
        ),
      ),
    ).toEqual(["GRANT SELECT ON `shop`.`t` TO 'steward_r'"]);
  });
});

describe('compile (MySQL 8)', () => {
  it('compiles every operation kind to the exact SQL, in operation order', () => {
    expect(sqlOf(FULL, mysqlPlatform)).toEqual([
      "REVOKE SELECT ON `shop`.`orders` FROM 'steward_old_r', 'bob'@'localhost'",
      "REVOKE 'steward_old_r' FROM 'steward_u_alice'",
      "SET DEFAULT ROLE NONE TO 'bob'@'%'",
      "DROP ROLE IF EXISTS 'steward_old_r'",
      "CREATE ROLE IF NOT EXISTS 'steward_analysts_read_r'",
      "CREATE ROLE IF NOT EXISTS 'steward_u_alice'",
      "CREATE USER IF NOT EXISTS 'alice'@'%' ACCOUNT LOCK",
      "GRANT SELECT, INSERT ON `shop`.`orders` TO 'steward_analysts_read_r', 'steward_x'",
      "GRANT SELECT, INSERT ON `shop`.`customers` TO 'steward_analysts_read_r', 'steward_x'",
      "GRANT 'steward_analysts_read_r', 'steward_sales_r' TO 'steward_u_alice', 'steward_u_bob'",
      "GRANT 'steward_u_alice' TO 'alice'@'%'",
      "SET DEFAULT ROLE 'steward_u_alice' TO 'alice'@'%'",
    ]);
    expect(mysqlPlatform.compile(FULL, options).map((s) => s.op)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10]);
  });

  it('quotes hostile names the same way', () => {
    expect(
      sqlOf(
        plan(
          { kind: 'grantMembership', roles: ["steward_a'b", 'steward_c\\d'], members: [A('ü`s er')] },
          { kind: 'setDefaultRole', user: A('ü`s er'), role: "steward_a'b" },
        ),
        mysqlPlatform,
      ),
    ).toEqual(["GRANT 'steward_a''b', 'steward_c\\\\d' TO 'ü`s er'@'%'", "SET DEFAULT ROLE 'steward_a''b' TO 'ü`s er'@'%'"]);
  });

  it('enforces the 32-character MySQL 8 name limit, where MariaDB takes 128', () => {
    const op: Operation = { kind: 'createRole', role: R(`steward_${'x'.repeat(25)}`), purpose: 'policy' };
    expect(() => mysqlPlatform.compile(plan(op), options)).toThrow(/longer than 32/);
    expect(sqlOf(plan(op))).toHaveLength(1);
    expect(() => mariadbPlatform.compile(plan({ kind: 'createRole', role: R(`steward_${'x'.repeat(121)}`), purpose: 'policy' }), options)).toThrow(/longer than 128/);
  });
});

describe('typed grantees', () => {
  it('a login spelt like an account literal is only a name at the connection host, never another account', () => {
    const sql = sqlOf(plan({ kind: 'grantMembership', roles: ['steward_u_x'], members: [A("'root'@'localhost'")] }));
    expect(sql).toEqual(["GRANT 'steward_u_x' TO '''root''@''localhost'''@'%'"]);
  });
});

describe('compile refuses what MySQL cannot or must not do', () => {
  const cases: [string, Operation, string][] = [
    ['TRUNCATE', { kind: 'grant', privileges: ['SELECT', 'TRUNCATE'], securables: [table('shop', 't')], grantees: [R('steward_r')] }, 'unsupported'],
    ['default privileges', { kind: 'grantDefault', database: 'shop', schema: 'x', owner: 'o', objects: 'tables', privileges: ['SELECT'], grantees: [R('steward_r')] }, 'unsupported'],
    ['dropping a principal', { kind: 'dropRole', role: 'alice' }, 'unsafe_plan'],
    ['a policy role outside the prefix', { kind: 'createRole', role: R('analysts'), purpose: 'policy' }, 'unsafe_plan'],
    ['a schema securable', { kind: 'grant', privileges: ['SELECT'], securables: [{ kind: 'schema', segments: ['a', 'b'] }], grantees: [R('steward_r')] }, 'invalid_input'],
    ['a NUL in a name', { kind: 'createRole', role: R('steward_\0'), purpose: 'policy' }, 'invalid_input'],
    ['PUBLIC, which MySQL does not have', { kind: 'grant', privileges: ['SELECT'], securables: [table('shop', 't')], grantees: [PUBLIC_GRANTEE] }, 'invalid_input'],
    ['a table name over 64 characters', { kind: 'grant', privileges: ['SELECT'], securables: [table('shop', 'x'.repeat(65))], grantees: [R('steward_r')] }, 'invalid_input'],
  ];
  for (const [what, op, code] of cases) {
    it(`refuses ${what} (${code})`, () => {
      for (const platform of [mariadbPlatform, mysqlPlatform]) {
        let err: unknown;
        try {
          platform.compile(plan(op), options);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(StewardError);
        expect((err as StewardError).code).toBe(code);
      }
    });
  }
});
