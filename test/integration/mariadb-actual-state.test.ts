import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountGrantee, roleGrantee as R, type AccessScope } from '../../src/domain/access.js';
import { canonicalizeState } from '../../src/domain/canonical-state.js';
import { DEFAULT_OPTIONS, type ConnectionOptions } from '../../src/domain/connection.js';
import type { Operation } from '../../src/domain/plan.js';
import { mariadbPlatform } from '../../src/platforms/mysql/index.js';
import { quoteAccount, quoteString } from '../../src/platforms/mysql/quote.js';
import type { PlatformSession } from '../../src/platforms/platform.js';
import { MARIADB_URL, mariadbAvailable } from '../helpers/databases.js';

const DB = 'steward_it_my';
const PREFIX = 'steward_itmy_';
const options: ConnectionOptions = { ...DEFAULT_OPTIONS, rolePrefix: PREFIX };
const A = (user: string, host = '%') => accountGrantee(user, host);
const t = (table: string) => ({ kind: 'table' as const, segments: [DB, table] });

const scope: AccessScope = {
  rolePrefix: PREFIX,
  principals: [A('itmy_alice'), A('itmy_nobody')],
  protectedTables: [t('orders'), t('customers')],
  protectedSequences: [],
  containers: [{ kind: 'database', segments: [DB] }],
  databases: [],
  protectedDatabases: [],
  ignoredGrantees: ['itmy_backup'],
};

describe.skipIf(!mariadbAvailable)('MariaDB actual state', () => {
  let admin: mysql.Connection;
  let s: PlatformSession;
  const sql = async (...statements: string[]): Promise<void> => {
    for (const st of statements) await admin.query(st);
  };

  async function dropTestAccounts(): Promise<void> {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT User AS u, Host AS h, is_role AS r FROM mysql.user WHERE User LIKE 'steward\\_itmy\\_%' OR User LIKE 'itmy\\_%'",
    );
    for (const r of rows) await admin.query(r.r === 'Y' ? `DROP ROLE ${quoteString(r.u)}` : `DROP USER ${quoteAccount(r.u, r.h)}`);
  }

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: MARIADB_URL });
    await dropTestAccounts();
    await sql(`DROP DATABASE IF EXISTS ${DB}`, `CREATE DATABASE ${DB}`);
    for (const table of ['orders', 'customers', 'free']) await sql(`CREATE TABLE ${DB}.${table} (id INT)`);
    // Hand-made state, as an admin would leave it.
    await sql(
      `CREATE ROLE ${PREFIX}read_r`,
      `CREATE ROLE ${PREFIX}u_alice`,
      'CREATE ROLE itmy_analyst',
      "CREATE USER 'itmy_alice'@'%' ACCOUNT LOCK",
      "CREATE USER 'itmy_bob'@'%' ACCOUNT LOCK",
      "CREATE USER 'itmy_bob'@'localhost' ACCOUNT LOCK",
      "CREATE USER 'itmy_backup'@'%' ACCOUNT LOCK",
      `GRANT SELECT ON ${DB}.orders TO ${PREFIX}read_r`,
      `GRANT SELECT, UPDATE ON ${DB}.customers TO ${PREFIX}read_r`,
      `GRANT SELECT, INSERT, ALTER ON ${DB}.orders TO 'itmy_bob'@'%'`,
      `GRANT DELETE ON ${DB}.orders TO 'itmy_bob'@'localhost'`,
      `GRANT SELECT ON ${DB}.orders TO itmy_analyst`,
      `GRANT SELECT ON ${DB}.orders TO 'itmy_backup'@'%'`,
      `GRANT SELECT ON ${DB}.free TO ${PREFIX}read_r`,
      `GRANT SELECT ON ${DB}.free TO 'itmy_bob'@'%'`,
      `GRANT SELECT, DELETE ON ${DB}.* TO ${PREFIX}read_r`,
      `GRANT SELECT ON ${DB}.* TO 'itmy_bob'@'%'`,
      `GRANT ${PREFIX}read_r TO ${PREFIX}u_alice`,
      `GRANT ${PREFIX}u_alice TO 'itmy_alice'@'%'`,
      `GRANT ${PREFIX}read_r TO 'itmy_bob'@'localhost'`,
      `SET DEFAULT ROLE ${PREFIX}u_alice FOR 'itmy_alice'@'%'`,
    );
    s = await mariadbPlatform.connect({ name: 'itmy', type: 'mariadb', url: MARIADB_URL, options });
  });

  afterAll(async () => {
    await s?.close();
    await dropTestAccounts();
    await sql(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.end();
  });

  it('reads roles, principals, memberships, default roles and every grant on protected tables', async () => {
    expect(await s.readActualState(scope)).toEqual(
      canonicalizeState({
        roles: [
          { grantee: A('itmy_alice'), purpose: 'principal' },
          { grantee: R(`${PREFIX}read_r`), purpose: 'policy' },
          { grantee: R(`${PREFIX}u_alice`), purpose: 'personal' },
        ],
        // The creator's admin rows (root@127.0.0.1, Admin_option='Y') are not memberships.
        memberships: [
          { role: `${PREFIX}read_r`, member: A('itmy_bob', 'localhost') },
          { role: `${PREFIX}read_r`, member: R(`${PREFIX}u_alice`) },
          { role: `${PREFIX}u_alice`, member: A('itmy_alice') },
        ],
        grants: [
          { securable: { kind: 'database', segments: [DB] }, grantee: R(`${PREFIX}read_r`), privileges: ['SELECT', 'DELETE'] },
          { securable: t('customers'), grantee: R(`${PREFIX}read_r`), privileges: ['SELECT', 'UPDATE'] },
          // A Steward role's grant is in scope on any table, protected or not.
          { securable: t('free'), grantee: R(`${PREFIX}read_r`), privileges: ['SELECT'] },
          { securable: t('orders'), grantee: R('itmy_analyst'), privileges: ['SELECT'] },
          { securable: t('orders'), grantee: A('itmy_bob', 'localhost'), privileges: ['DELETE'] },
          { securable: t('orders'), grantee: A('itmy_bob'), privileges: ['SELECT', 'INSERT'] },
          { securable: t('orders'), grantee: R(`${PREFIX}read_r`), privileges: ['SELECT'] },
        ],
        defaultGrants: [],
        defaultRoles: [{ user: A('itmy_alice'), role: `${PREFIX}u_alice` }],
      }),
    );
  });

  it('reverts drift by the names it reported: foreign hosts, foreign roles, plain users', async () => {
    const before = await s.readActualState(scope);
    const drift = before.grants.filter((g) => g.securable.kind === 'table' && !(g.grantee.kind === 'role' && g.grantee.name.startsWith(PREFIX)));
    const ops: Operation[] = [
      ...drift.map((g): Operation => ({ kind: 'revoke', privileges: g.privileges, securables: [g.securable], grantees: [g.grantee], drift: true })),
      { kind: 'revokeMembership', roles: [`${PREFIX}read_r`], members: [A('itmy_bob', 'localhost')], drift: true },
      { kind: 'revoke', privileges: ['SELECT', 'DELETE'], securables: [{ kind: 'database', segments: [DB] }], grantees: [R(`${PREFIX}read_r`)] },
    ];
    const statements = mariadbPlatform.compile({ connection: 'itmy', operations: ops }, options);
    const result = await s.execute(statements, { lockKey: 'steward:itmy' });
    expect(result.error).toBeUndefined();
    const after = await s.readActualState(scope);
    expect(after.grants).toEqual([
      { securable: t('customers'), grantee: R(`${PREFIX}read_r`), privileges: ['SELECT', 'UPDATE'] },
      { securable: t('free'), grantee: R(`${PREFIX}read_r`), privileges: ['SELECT'] },
      { securable: t('orders'), grantee: R(`${PREFIX}read_r`), privileges: ['SELECT'] },
    ]);
    expect(after.memberships.map((m) => m.member)).not.toContainEqual(A('itmy_bob', 'localhost'));
    // Grants outside the scope were left alone: ALTER on a protected table, a plain user's grant
    // on the unprotected table, the ignored grantee, a plain user's database grant.
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      `SELECT User AS u, Host AS h, Table_name AS t, Table_priv AS p FROM mysql.tables_priv WHERE Db = ? ORDER BY User, Host, Table_name`,
      [DB],
    );
    expect(rows.map((r): unknown[] => [r.u, r.h, r.t, r.p])).toEqual([
      ['itmy_backup', '%', 'orders', 'Select'],
      ['itmy_bob', '%', 'free', 'Select'],
      ['itmy_bob', '%', 'orders', 'Alter'],
      [`${PREFIX}read_r`, '', 'customers', 'Select,Update'],
      [`${PREFIX}read_r`, '', 'free', 'Select'],
      [`${PREFIX}read_r`, '', 'orders', 'Select'],
    ]);
    const [dbRows] = await admin.query<mysql.RowDataPacket[]>('SELECT User AS u FROM mysql.db WHERE Db = ?', [DB]);
    expect(dbRows.map((r): unknown => r.u)).toEqual(['itmy_bob']);
  });

  it('reads an empty scope without querying principals or tables', async () => {
    expect(await s.readActualState({ rolePrefix: 'steward_itmy_none_', principals: [], protectedTables: [], protectedSequences: [], containers: [], databases: [], protectedDatabases: [], ignoredGrantees: [] })).toEqual({
      roles: [],
      memberships: [],
      grants: [],
      defaultGrants: [],
      defaultRoles: [],
    });
  });
});
