/**
 * Compiled plans run on the real MariaDB by the least-privilege system account `connection
 * check` advises, felt by a governed account logging in: exact access, safe re-runs, locked
 * new accounts, hostile names, stopping at the first failure, the connection lock.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountGrantee, granteeName, roleGrantee as R, type AccessScope } from '../../src/domain/access.js';
import { DEFAULT_OPTIONS, type ConnectionOptions } from '../../src/domain/connection.js';
import { StewardError } from '../../src/domain/errors.js';
import type { Operation, Plan } from '../../src/domain/plan.js';
import { execute } from '../../src/platforms/mysql/execute.js';
import { mariadbPlatform } from '../../src/platforms/mysql/index.js';
import { quoteAccount, quoteString } from '../../src/platforms/mysql/quote.js';
import type { PlatformSession, StatementResult } from '../../src/platforms/platform.js';
import { MARIADB_URL, mariadbAvailable } from '../helpers/databases.js';
import { dropTestObjects, leastPrivilegeSession, mariadbUrlAs } from '../helpers/mariadb-accounts.js';

const DB = 'mdb_ap';
const PREFIX = 'steward_mdbap__';
const POLICY = `${PREFIX}analysts_read_r`;
const PERSONAL = `${PREFIX}u_carol`;
const USER = 'mdb_ap_carol';
const PASSWORD = 'Carol-pw-1!';
const SYSTEM = 'mdb_ap_steward';
const SYSTEM_PW = 'Sys-pw-ap';
const options: ConnectionOptions = { ...DEFAULT_OPTIONS, rolePrefix: PREFIX, protect: [`mdbap/${DB}/*`] };
const t = (table: string) => ({ kind: 'table' as const, segments: [DB, table] });
const plan = (...operations: Operation[]): Plan => ({ connection: 'mdbap', operations });
const A = (user: string, host = '%') => accountGrantee(user, host);
const scope = (principals: string[]): AccessScope => ({
  rolePrefix: PREFIX,
  principals: principals.map((p) => A(p)),
  protectedTables: [t('t_read'), t('t_write'), t('t_secret')],
  protectedSequences: [],
  containers: [{ kind: 'database', segments: [DB] }],
  databases: [],
  protectedDatabases: [],
  ignoredGrantees: [],
});

/** What a planner would emit for: carol's personal role is in a policy reading t_read, writing t_write. */
const GRANT_PLAN = plan(
  { kind: 'createRole', role: R(POLICY), purpose: 'policy' },
  { kind: 'createRole', role: R(PERSONAL), purpose: 'personal' },
  { kind: 'createRole', role: A(USER), purpose: 'principal' },
  { kind: 'grant', privileges: ['SELECT'], securables: [t('t_read')], grantees: [R(POLICY)] },
  { kind: 'grant', privileges: ['SELECT', 'INSERT'], securables: [t('t_write')], grantees: [R(POLICY)] },
  { kind: 'grantMembership', roles: [POLICY], members: [R(PERSONAL)] },
  { kind: 'grantMembership', roles: [PERSONAL], members: [A(USER)] },
  { kind: 'setDefaultRole', user: A(USER), role: PERSONAL },
);

describe.skipIf(!mariadbAvailable)('MariaDB apply', () => {
  let admin: mysql.Connection;
  let s: PlatformSession;
  const url = new URL(MARIADB_URL);

  const dropAll = () => dropTestObjects(admin, ['steward\\_mdbap\\_\\_%', 'mdb\\_ap\\_%'], [DB]);

  /** Log in as a governed user over TCP to 127.0.0.1, where accounts at '%' match. */
  function loginAs(user: string, password: string): Promise<mysql.Connection> {
    return mysql.createConnection({ host: url.hostname, port: Number(url.port || 3306), user, password, database: DB });
  }

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: MARIADB_URL });
    await dropAll();
    await admin.query(`CREATE DATABASE ${DB}`);
    for (const table of ['t_read', 't_write', 't_secret']) {
      await admin.query(`CREATE TABLE ${DB}.${table} (id INT)`);
      await admin.query(`INSERT INTO ${DB}.${table} VALUES (1)`);
    }
    // The governed user exists with a password: an admin set it up, Steward only grants.
    await admin.query(`CREATE USER ${quoteAccount(USER, '%')} IDENTIFIED BY ${quoteString(PASSWORD)}`);
    // An anonymous ''@'localhost' would shadow '%' accounts for socket/localhost logins; over
    // 127.0.0.1 it does not apply, but make sure none is around to confuse the test.
    const [anon] = await admin.query<mysql.RowDataPacket[]>("SELECT Host AS h FROM mysql.user WHERE User = ''");
    expect(anon).toEqual([]);
    s = await leastPrivilegeSession(admin, { name: 'mdbap', account: SYSTEM, password: SYSTEM_PW, options });
  });

  afterAll(async () => {
    await s?.close();
    if (admin) await dropAll();
    await admin?.end();
  });

  it('applies a compiled plan, and the user gets exactly the planned access at login', async () => {
    const statements = mariadbPlatform.compile(GRANT_PLAN, options);
    const reported: StatementResult[] = [];
    const result = await s.execute(statements, { lockKey: 'steward:mdbap', onStatement: (r) => reported.push(r) });
    expect(result.error).toBeUndefined();
    expect(result.results.map((r) => r.ok)).toEqual(statements.map(() => true));
    expect(reported).toHaveLength(statements.length);

    const carol = await loginAs(USER, PASSWORD);
    try {
      const [who] = await carol.query<mysql.RowDataPacket[]>('SELECT CURRENT_USER() AS u, CURRENT_ROLE() AS r');
      expect(who[0]).toEqual({ u: `${USER}@%`, r: PERSONAL });
      const [rows] = await carol.query<mysql.RowDataPacket[]>('SELECT id FROM t_read');
      expect(rows).toEqual([{ id: 1 }]);
      await expect(carol.query('INSERT INTO t_read VALUES (2)')).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
      await carol.query('INSERT INTO t_write VALUES (2)');
      await expect(carol.query('SELECT id FROM t_secret')).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
    } finally {
      await carol.end();
    }
  });

  it('reads back exactly what was planned', async () => {
    expect(await s.readActualState(scope([USER]))).toEqual({
      roles: [
        { grantee: A(USER), purpose: 'principal' },
        { grantee: R(POLICY), purpose: 'policy' },
        { grantee: R(PERSONAL), purpose: 'personal' },
      ],
      memberships: [
        { role: POLICY, member: R(PERSONAL) },
        { role: PERSONAL, member: A(USER) },
      ],
      grants: [
        { securable: t('t_read'), grantee: R(POLICY), privileges: ['SELECT'] },
        { securable: t('t_write'), grantee: R(POLICY), privileges: ['SELECT', 'INSERT'] },
      ],
      defaultGrants: [],
      defaultRoles: [{ user: A(USER), role: PERSONAL }],
    });
  });

  it('is safe to re-run (the crash-and-retry case) and left the existing user able to log in', async () => {
    const result = await s.execute(mariadbPlatform.compile(GRANT_PLAN, options), { lockKey: 'steward:mdbap' });
    expect(result.error).toBeUndefined();
    const carol = await loginAs(USER, PASSWORD);
    await carol.end();
  });

  it('creates a missing principal locked, never as an open account', async () => {
    const result = await s.execute(mariadbPlatform.compile(plan({ kind: 'createRole', role: A('mdb_ap_dave'), purpose: 'principal' }), options), {
      lockKey: 'steward:mdbap',
    });
    expect(result.error).toBeUndefined();
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT JSON_VALUE(Priv, '$.account_locked') AS locked FROM mysql.global_priv WHERE User = 'mdb_ap_dave' AND Host = '%'",
    );
    expect(rows[0]?.locked).toBe('1');
    await expect(loginAs('mdb_ap_dave', '')).rejects.toThrow(/account is locked/);
  });

  it('round-trips hostile role and user names through compile, execute and read', async () => {
    const role = `${PREFIX}h'q\`b\\s é`;
    const user = "mdb_ap_o'b\\r `x` ü";
    const ops = plan(
      { kind: 'createRole', role: R(role), purpose: 'policy' },
      { kind: 'createRole', role: A(user), purpose: 'principal' },
      { kind: 'grant', privileges: ['SELECT'], securables: [t('t_secret')], grantees: [R(role), A(user)] },
      { kind: 'grantMembership', roles: [role], members: [A(user)] },
      { kind: 'setDefaultRole', user: A(user), role },
    );
    const result = await s.execute(mariadbPlatform.compile(ops, options), { lockKey: 'steward:mdbap' });
    expect(result.error).toBeUndefined();
    const state = await s.readActualState(scope([user]));
    expect(state.roles).toContainEqual({ grantee: R(role), purpose: 'policy' });
    expect(state.roles).toContainEqual({ grantee: A(user), purpose: 'principal' });
    expect(state.memberships).toContainEqual({ role, member: A(user) });
    expect(state.defaultRoles).toEqual([{ user: A(user), role }]);
    expect(state.grants.filter((g) => g.securable.segments[1] === 't_secret')).toEqual([
      { securable: t('t_secret'), grantee: A(user), privileges: ['SELECT'] },
      { securable: t('t_secret'), grantee: R(role), privileges: ['SELECT'] },
    ]);
    const undo = plan(
      { kind: 'setDefaultRole', user: A(user), role: null },
      { kind: 'revoke', privileges: ['SELECT'], securables: [t('t_secret')], grantees: [R(role), A(user)] },
      { kind: 'revokeMembership', roles: [role], members: [A(user)] },
      { kind: 'dropRole', role },
    );
    expect((await s.execute(mariadbPlatform.compile(undo, options), { lockKey: 'steward:mdbap' })).error).toBeUndefined();
    const after = await s.readActualState(scope([user]));
    expect(after.roles).toEqual(expect.not.arrayContaining([{ grantee: R(role), purpose: 'policy' }]));
    expect(after.defaultRoles).toEqual([]);
    expect(after.grants.filter((g) => g.securable.segments[1] === 't_secret')).toEqual([]);
  });

  it('stops at the first failing statement, reports it, and runs nothing after it', async () => {
    const statements = mariadbPlatform.compile(
      plan(
        { kind: 'createRole', role: R(`${PREFIX}first`), purpose: 'policy' },
        { kind: 'grant', privileges: ['SELECT'], securables: [t('no_such_table')], grantees: [R(`${PREFIX}first`)] },
        { kind: 'createRole', role: R(`${PREFIX}never`), purpose: 'policy' },
      ),
      options,
    );
    const reported: StatementResult[] = [];
    const result = await s.execute(statements, { lockKey: 'steward:mdbap', onStatement: (r) => reported.push(r) });
    expect(result.results.map((r) => r.ok)).toEqual([true, false]);
    expect(reported.map((r) => r.statement.op)).toEqual([0, 1]);
    expect(result.results[1]!.error).toMatch(/^ER_NO_SUCH_TABLE: /);
    expect(result.error).toMatch(/statement 2 of 3 failed/);
    const roles = (await s.readActualState(scope([]))).roles.map((r) => granteeName(r.grantee));
    expect(roles).toContain(`${PREFIX}first`);
    expect(roles).not.toContain(`${PREFIX}never`);
  });

  it('revokes everything again, default role first', async () => {
    const undo = plan(
      { kind: 'setDefaultRole', user: A(USER), role: null },
      { kind: 'revoke', privileges: ['SELECT'], securables: [t('t_read')], grantees: [R(POLICY)] },
      { kind: 'revoke', privileges: ['SELECT', 'INSERT'], securables: [t('t_write')], grantees: [R(POLICY)] },
      { kind: 'revokeMembership', roles: [PERSONAL], members: [A(USER)] },
      { kind: 'revokeMembership', roles: [POLICY], members: [R(PERSONAL)] },
      { kind: 'dropRole', role: PERSONAL },
      { kind: 'dropRole', role: POLICY },
      { kind: 'dropRole', role: `${PREFIX}first` },
    );
    expect((await s.execute(mariadbPlatform.compile(undo, options), { lockKey: 'steward:mdbap' })).error).toBeUndefined();
    expect(await s.readActualState(scope([USER]))).toEqual({
      roles: [{ grantee: A(USER), purpose: 'principal' }],
      memberships: [],
      grants: [],
      defaultGrants: [],
      defaultRoles: [],
    });
  });

  it('refuses to run while another session holds the lock', async () => {
    const holder = await mysql.createConnection({ uri: MARIADB_URL });
    const other = await mysql.createConnection({ uri: mariadbUrlAs(SYSTEM, SYSTEM_PW) });
    try {
      const [got] = await holder.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', ['steward:mdbap']);
      expect(got[0]?.got).toBe(1);
      const query = async (q: { sql: string; values: readonly (string | number | null)[] }) => {
        const [rows] = await other.query<mysql.RowDataPacket[]>(q.sql, [...q.values]);
        return rows;
      };
      const err = await execute(query, [{ sql: `CREATE ROLE ${PREFIX}blocked`, database: null, op: 0 }], { lockKey: 'steward:mdbap' }, 'mariadb', 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StewardError);
      expect((err as StewardError).code).toBe('locked');
      await holder.query('SELECT RELEASE_LOCK(?)', ['steward:mdbap']);
      const ok = await execute(query, [{ sql: 'SELECT 1', database: null, op: 0 }], { lockKey: 'steward:mdbap' }, 'mariadb', 1);
      expect(ok.error).toBeUndefined();
    } finally {
      await holder.end();
      await other.end();
    }
  });
});
