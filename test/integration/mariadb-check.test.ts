/**
 * `connection check` on the real MariaDB: the least-privilege SQL it proposes, run by root for a
 * fresh account, is exactly enough (check then reports everything sufficient, and the account
 * syncs and enforces), and gives no more (the account cannot reach a database named like a
 * governed one with a wildcard twist, nor read password hashes or ungoverned data).
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountGrantee, roleGrantee as R } from '../../src/domain/access.js';
import { DEFAULT_OPTIONS, type ConnectionOptions } from '../../src/domain/connection.js';
import { StewardError } from '../../src/domain/errors.js';
import type { Operation } from '../../src/domain/plan.js';
import { mariadbPlatform, mysqlPlatform } from '../../src/platforms/mysql/index.js';
import { quoteAccount, quoteIdent, quoteString } from '../../src/platforms/mysql/quote.js';
import type { PlatformSession } from '../../src/platforms/platform.js';
import { MARIADB_URL, mariadbAvailable } from '../helpers/databases.js';
import { dropTestObjects, runAs } from '../helpers/mariadb-accounts.js';

const A = (user: string, host = '%') => accountGrantee(user, host);
/** Governed: its `_` are wildcards in an unescaped `ON db.*`, which would reach TWIN. */
const DB = 'mdb_ck_shop_x';
const TWIN = 'mdb_ck_shopXx';
const OTHER = 'mdb_ck_other';
const PREFIX = 'steward_mdbck__';
const SYSTEM = 'mdb_ck_steward';
const SECRET = 'Sys-pw-42!x';
const options: ConnectionOptions = { ...DEFAULT_OPTIONS, rolePrefix: PREFIX, protect: [`mdbck/${DB}/*`] };

function urlAs(user: string, password: string, database = ''): string {
  const u = new URL(MARIADB_URL);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  u.pathname = `/${database}`;
  return u.href;
}

async function failure(p: Promise<unknown>): Promise<StewardError> {
  const e = await p.then(
    () => new Error('expected a failure'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StewardError);
  return e as StewardError;
}

describe.skipIf(!mariadbAvailable)('MariaDB check and connect', () => {
  let admin: mysql.Connection;
  const connect = (): Promise<PlatformSession> => mariadbPlatform.connect({ name: 'mdbck', type: 'mariadb', url: urlAs(SYSTEM, SECRET), options });

  const dropAll = () => dropTestObjects(admin, ['steward\\_mdbck\\_\\_%', 'mdb\\_ck\\_%'], [DB, TWIN, OTHER]);
  const asSystem = (statement: string): Promise<string> => runAs(SYSTEM, SECRET, statement);

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: MARIADB_URL });
    await dropAll();
    for (const d of [DB, TWIN, OTHER]) {
      await admin.query(`CREATE DATABASE ${quoteIdent(d)}`);
      await admin.query(`CREATE TABLE ${quoteIdent(d)}.orders (id INT, note TEXT)`);
    }
    await admin.query(`CREATE USER ${quoteAccount(SYSTEM, '%')} IDENTIFIED BY ${quoteString(SECRET)}`);
    await admin.query(`CREATE USER ${quoteAccount('mdb_ck_erin', '%')} IDENTIFIED BY 'pw'`);
  });

  afterAll(async () => {
    await dropAll();
    await admin.end();
  });

  it('proposes the least privileges a fresh account needs, escaped, each with its reason', async () => {
    const s = await connect();
    const before = await s.check();
    await s.close();
    expect(before.user).toBe(`${SYSTEM}@%`);
    expect(before.serverVersion).toMatch(/MariaDB/);
    expect(before.enforcement[0]).toMatchObject({ ok: true });
    const acct = `'${SYSTEM}'@'%'`;
    expect(before.grantSql).toEqual([
      `GRANT SHOW DATABASES ON *.* TO ${acct};`,
      `GRANT REFERENCES ON *.* TO ${acct};`,
      `GRANT CREATE USER ON *.* TO ${acct};`,
      `GRANT SELECT (\`User\`, \`Host\`, \`is_role\`, \`default_role\`) ON \`mysql\`.\`user\` TO ${acct};`,
      `GRANT SELECT ON \`mysql\`.\`roles_mapping\` TO ${acct};`,
      `GRANT SELECT ON \`mysql\`.\`db\` TO ${acct};`,
      `GRANT SELECT ON \`mysql\`.\`tables_priv\` TO ${acct};`,
      `GRANT SELECT ON \`mysql\`.\`columns_priv\` TO ${acct};`,
      `GRANT UPDATE ON \`mysql\`.* TO ${acct};`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON \`mdb\\_ck\\_shop\\_x\`.* TO ${acct} WITH GRANT OPTION;`,
    ]);
    for (const c of [...before.sync, ...before.enforcement]) expect(c.detail, c.what).toBeTruthy();
    expect(before.excess).toEqual([]);
  });

  it('granting exactly that is enough to sync and enforce, and gives no more', async () => {
    // A role made by someone else under the prefix: MariaDB lets only its admins grant it.
    await admin.query(`CREATE ROLE ${PREFIX}legacy_r`);
    let s = await connect();
    for (const statement of (await s.check()).grantSql) await admin.query(statement);
    await s.close();
    s = await connect();
    try {
      const after = await s.check();
      expect(after.grantSql).toEqual([`GRANT '${PREFIX}legacy_r' TO '${SYSTEM}'@'%' WITH ADMIN OPTION;`]);
      expect(after.databases).toEqual(expect.arrayContaining([DB, TWIN, OTHER]));
      expect(after.sync.every((c) => c.ok)).toBe(true);
      expect(after.enforcement.filter((c) => !c.ok).map((c) => c.what)).toEqual([`ADMIN OPTION on existing ${PREFIX}* roles`]);
      expect(after.excess).toEqual([]);

      // The account holds exactly what was proposed.
      const [grants] = await admin.query<mysql.RowDataPacket[]>(`SHOW GRANTS FOR ${quoteAccount(SYSTEM, '%')}`);
      expect(grants.map((r) => String(Object.values(r)[0]).replace(/ IDENTIFIED BY PASSWORD '[^']*'/, '')).sort()).toEqual(
        [
          `GRANT REFERENCES, SHOW DATABASES, CREATE USER ON *.* TO \`${SYSTEM}\`@\`%\``,
          `GRANT UPDATE ON \`mysql\`.* TO \`${SYSTEM}\`@\`%\``,
          `GRANT SELECT, INSERT, UPDATE, DELETE ON \`mdb\\_ck\\_shop\\_x\`.* TO \`${SYSTEM}\`@\`%\` WITH GRANT OPTION`,
          `GRANT SELECT (\`is_role\`, \`User\`, \`default_role\`, \`Host\`) ON \`mysql\`.\`user\` TO \`${SYSTEM}\`@\`%\``,
          `GRANT SELECT ON \`mysql\`.\`roles_mapping\` TO \`${SYSTEM}\`@\`%\``,
          `GRANT SELECT ON \`mysql\`.\`db\` TO \`${SYSTEM}\`@\`%\``,
          `GRANT SELECT ON \`mysql\`.\`tables_priv\` TO \`${SYSTEM}\`@\`%\``,
          `GRANT SELECT ON \`mysql\`.\`columns_priv\` TO \`${SYSTEM}\`@\`%\``,
        ].sort(),
      );
      // … and no more: the wildcard twist of the governed name, other databases' data, password hashes.
      const denied = /denied/i;
      expect(await asSystem(`SELECT * FROM ${quoteIdent(DB)}.orders`)).toBe('ok');
      expect(await asSystem(`INSERT INTO ${quoteIdent(TWIN)}.orders VALUES (1, 'x')`)).toMatch(denied);
      expect(await asSystem(`SELECT * FROM ${quoteIdent(TWIN)}.orders`)).toMatch(denied);
      expect(await asSystem(`SELECT * FROM ${quoteIdent(OTHER)}.orders`)).toMatch(denied);
      expect(await asSystem(`GRANT SELECT ON ${quoteIdent(TWIN)}.orders TO 'mdb_ck_erin'@'%'`)).toMatch(denied);
      expect(await asSystem('SELECT authentication_string FROM mysql.user')).toMatch(denied);
      expect(await asSystem('SELECT * FROM mysql.global_priv')).toMatch(denied);
      // Metadata of a database Steward does not govern is visible (REFERENCES), its data is not.
      expect(await asSystem(`SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${OTHER}'`)).toBe('ok');

      // The least-privilege account syncs, enforces and reads back.
      expect((await s.introspect({ under: [DB] })).objects.map((o) => o.segments)).toEqual([[DB], [DB, 'orders']]);
      const ops: Operation[] = [
        { kind: 'createRole', role: R(`${PREFIX}read_r`), purpose: 'policy' },
        { kind: 'createRole', role: R(`${PREFIX}u_erin`), purpose: 'personal' },
        { kind: 'grant', privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], securables: [{ kind: 'database', segments: [DB] }], grantees: [R(`${PREFIX}read_r`)] },
        { kind: 'grantMembership', roles: [`${PREFIX}read_r`], members: [R(`${PREFIX}u_erin`)] },
        { kind: 'grantMembership', roles: [`${PREFIX}u_erin`], members: [A('mdb_ck_erin')] },
        { kind: 'setDefaultRole', user: A('mdb_ck_erin'), role: `${PREFIX}u_erin` },
      ];
      const result = await s.execute(mariadbPlatform.compile({ connection: 'mdbck', operations: ops }, options), { lockKey: 'steward:mdbck' });
      expect(result.error).toBeUndefined();
      const erin = await mysql.createConnection({ uri: urlAs('mdb_ck_erin', 'pw') });
      try {
        await erin.query(`INSERT INTO ${quoteIdent(DB)}.orders VALUES (2, 'y')`);
        // The database grant Steward made is escaped too: the twin stays closed.
        await expect(erin.query(`SELECT * FROM ${quoteIdent(TWIN)}.orders`)).rejects.toThrow(/denied/);
      } finally {
        await erin.end();
      }
      const state = await s.readActualState({
        rolePrefix: PREFIX,
        principals: [A('mdb_ck_erin')],
        protectedTables: [{ kind: 'table', segments: [DB, 'orders'] }],
        protectedSequences: [],
        containers: [{ kind: 'database', segments: [DB] }],
        databases: [DB],
        protectedDatabases: [DB],
        ignoredGrantees: [],
      });
      expect(state.grants).toEqual([{ securable: { kind: 'database', segments: [DB] }, grantee: R(`${PREFIX}read_r`), privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] }]);
      // (The legacy role's creator, root, shows as its member: only the system account's own
      // admin rows are hidden, as a hand-made WITH ADMIN OPTION grant is access too.)
      expect(state.memberships.filter((m) => m.role !== `${PREFIX}legacy_r`)).toEqual([
        { role: `${PREFIX}read_r`, member: R(`${PREFIX}u_erin`) },
        { role: `${PREFIX}u_erin`, member: A('mdb_ck_erin') },
      ]);
      expect(state.defaultRoles).toEqual([{ user: A('mdb_ck_erin'), role: `${PREFIX}u_erin` }]);
      // Without the admin option the legacy role cannot be granted, as the check said.
      const blocked = await s.execute(
        mariadbPlatform.compile({ connection: 'mdbck', operations: [{ kind: 'grantMembership', roles: [`${PREFIX}legacy_r`], members: [A('mdb_ck_erin')] }] }, options),
        { lockKey: 'steward:mdbck' },
      );
      expect(blocked.error).toMatch(/Access denied/);
    } finally {
      await s.close();
    }
  });

  it('flags what an over-privileged account holds beyond what Steward needs', async () => {
    const s = await mariadbPlatform.connect({ name: 'mdbck', type: 'mariadb', url: MARIADB_URL, options });
    try {
      const report = await s.check();
      // Even root must be given the admin option of roles another account created (MariaDB).
      expect(report.grantSql.filter((g) => !g.endsWith('WITH ADMIN OPTION;'))).toEqual([]);
      expect(report.excess!.map((e) => e.what)).toContain('ALL PRIVILEGES on *.*');
    } finally {
      await s.close();
    }
  });

  it('flags a MariaDB server registered as MySQL 8', async () => {
    const s = await mysqlPlatform.connect({ name: 'mdbck', type: 'mysql', url: MARIADB_URL, options });
    try {
      const report = await s.check();
      expect(report.enforcement[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/type mariadb/) });
    } finally {
      await s.close();
    }
  });

  it('fails to connect with connection_failed, host:port, a hint, and never the password', async () => {
    const host = new URL(MARIADB_URL).host;
    const wrong = await failure(mariadbPlatform.connect({ name: 'mdbck', type: 'mariadb', url: urlAs(SYSTEM, 'not-the-pw-hunter2'), options }));
    expect(wrong).toMatchObject({ code: 'connection_failed', message: `${host}: access denied` });
    const noDb = await failure(mariadbPlatform.connect({ name: 'mdbck', type: 'mariadb', url: urlAs(SYSTEM, SECRET, 'mdb_ck_absent'), options }));
    expect(noDb.code).toBe('connection_failed');
    expect(noDb.message).toMatch(/does not exist|denied/);
    const refused = await failure(mariadbPlatform.connect({ name: 'mdbck', type: 'mariadb', url: 'mysql://u:hunter2@127.0.0.1:1/', options }));
    expect(refused).toMatchObject({ code: 'connection_failed', message: '127.0.0.1:1: connection refused' });
    for (const e of [wrong, noDb, refused]) {
      expect(e.hint).toBeTruthy();
      expect(`${e.message} ${e.hint} ${JSON.stringify(e.details)}`).not.toMatch(/hunter2|Sys-pw/);
    }
    const badDb = await failure(mariadbPlatform.connect({ name: 'mdbck', type: 'mariadb', url: urlAs('root', '', 'mdb_ck_absent'), options }));
    expect(badDb.message).toMatch(/the database in the URL does not exist/);
  });
});
