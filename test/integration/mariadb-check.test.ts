import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountGrantee, roleGrantee as R } from '../../src/domain/access.js';

const A = (user: string, host = '%') => accountGrantee(user, host);
import { DEFAULT_OPTIONS, type ConnectionOptions } from '../../src/domain/connection.js';
import { StewardError } from '../../src/domain/errors.js';
import type { Operation } from '../../src/domain/plan.js';
import { mariadbPlatform, mysqlPlatform } from '../../src/platforms/mysql/index.js';
import { quoteAccount, quoteString } from '../../src/platforms/mysql/quote.js';
import type { PlatformSession } from '../../src/platforms/platform.js';
import { MARIADB_URL, mariadbAvailable } from '../helpers/databases.js';

const DB = 'steward_it_my';
const PREFIX = 'steward_itmy_';
const SYSTEM = 'itmy_steward';
const SECRET = 'Sys-pw-42!x';
const options: ConnectionOptions = { ...DEFAULT_OPTIONS, rolePrefix: PREFIX, protect: [`itmy/${DB}/*`] };

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

  async function dropTestAccounts(): Promise<void> {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT User AS u, Host AS h, is_role AS r FROM mysql.user WHERE User LIKE 'steward\\_itmy\\_%' OR User LIKE 'itmy\\_%'",
    );
    for (const r of rows) await admin.query(r.r === 'Y' ? `DROP ROLE ${quoteString(r.u)}` : `DROP USER ${quoteAccount(r.u, r.h)}`);
  }

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: MARIADB_URL });
    await dropTestAccounts();
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.query(`CREATE TABLE ${DB}.orders (id INT)`);
    await admin.query(`CREATE USER ${quoteAccount(SYSTEM, '%')} IDENTIFIED BY ${quoteString(SECRET)}`);
  });

  afterAll(async () => {
    await dropTestAccounts();
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.end();
  });

  it('lists what a bare system account lacks; granting exactly that is enough to sync and enforce', async () => {
    let s: PlatformSession = await mariadbPlatform.connect({ name: 'itmy', type: 'mariadb', url: urlAs(SYSTEM, SECRET), options });
    const before = await s.check();
    await s.close();
    expect(before.user).toBe(`${SYSTEM}@%`);
    expect(before.serverVersion).toMatch(/MariaDB/);
    expect(before.enforcement[0]).toMatchObject({ ok: true });
    expect(before.grantSql).toEqual([
      `GRANT SHOW DATABASES, SELECT, SHOW VIEW ON *.* TO '${SYSTEM}'@'%';`,
      `GRANT CREATE USER ON *.* TO '${SYSTEM}'@'%';`,
      `GRANT UPDATE ON \`mysql\`.* TO '${SYSTEM}'@'%';`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON \`${DB}\`.* TO '${SYSTEM}'@'%' WITH GRANT OPTION;`,
    ]);

    // A role made by someone else under the prefix: MariaDB lets only its admins grant it.
    await admin.query(`CREATE ROLE ${PREFIX}legacy_r`);
    for (const statement of before.grantSql) await admin.query(statement);
    s = await mariadbPlatform.connect({ name: 'itmy', type: 'mariadb', url: urlAs(SYSTEM, SECRET), options });
    try {
      const after = await s.check();
      expect(after.grantSql).toEqual([`GRANT '${PREFIX}legacy_r' TO '${SYSTEM}'@'%' WITH ADMIN OPTION;`]);
      expect(after.databases).toContain(DB);
      expect(after.sync.every((c) => c.ok)).toBe(true);

      // The least-privilege account syncs, enforces and reads back.
      expect((await s.introspect({ under: [DB] })).objects.map((o) => o.segments)).toEqual([[DB], [DB, 'orders']]);
      const ops: Operation[] = [
        { kind: 'createRole', role: R(`${PREFIX}read_r`), purpose: 'policy' },
        { kind: 'createRole', role: R(`${PREFIX}u_erin`), purpose: 'personal' },
        { kind: 'createRole', role: A('itmy_erin'), purpose: 'principal' },
        { kind: 'grant', privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], securables: [{ kind: 'table', segments: [DB, 'orders'] }], grantees: [R(`${PREFIX}read_r`)] },
        { kind: 'grantMembership', roles: [`${PREFIX}read_r`], members: [R(`${PREFIX}u_erin`)] },
        { kind: 'grantMembership', roles: [`${PREFIX}u_erin`], members: [A('itmy_erin')] },
        { kind: 'setDefaultRole', user: A('itmy_erin'), role: `${PREFIX}u_erin` },
      ];
      const result = await s.execute(mariadbPlatform.compile({ connection: 'itmy', operations: ops }, options), { lockKey: 'steward:itmy' });
      expect(result.error).toBeUndefined();
      const state = await s.readActualState({
        rolePrefix: PREFIX,
        principals: [A('itmy_erin')],
        protectedTables: [{ kind: 'table', segments: [DB, 'orders'] }],
        protectedSequences: [],
        containers: [{ kind: 'database', segments: [DB] }],
        databases: [],
        protectedDatabases: [],
        ignoredGrantees: [],
      });
      // (The legacy role's creator, root, shows as its member: only the system account's own
      // admin rows are hidden, as a hand-made WITH ADMIN OPTION grant is access too.)
      expect(state.memberships.filter((m) => m.role !== `${PREFIX}legacy_r`)).toEqual([
        { role: `${PREFIX}read_r`, member: R(`${PREFIX}u_erin`) },
        { role: `${PREFIX}u_erin`, member: A('itmy_erin') },
      ]);
      expect(state.defaultRoles).toEqual([{ user: A('itmy_erin'), role: `${PREFIX}u_erin` }]);
      // Without the admin option the legacy role cannot be granted, as the check said.
      const blocked = await s.execute(
        mariadbPlatform.compile({ connection: 'itmy', operations: [{ kind: 'grantMembership', roles: [`${PREFIX}legacy_r`], members: [A('itmy_erin')] }] }, options),
        { lockKey: 'steward:itmy' },
      );
      expect(blocked.error).toMatch(/Access denied/);
    } finally {
      await s.close();
    }
  });

  it('flags a MariaDB server registered as MySQL 8', async () => {
    const s = await mysqlPlatform.connect({ name: 'itmy', type: 'mysql', url: MARIADB_URL, options });
    try {
      const report = await s.check();
      expect(report.enforcement[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/type mariadb/) });
    } finally {
      await s.close();
    }
  });

  it('fails to connect with connection_failed, host:port, a hint, and never the password', async () => {
    const host = new URL(MARIADB_URL).host;
    const wrong = await failure(mariadbPlatform.connect({ name: 'itmy', type: 'mariadb', url: urlAs(SYSTEM, 'not-the-pw-hunter2'), options }));
    expect(wrong).toMatchObject({ code: 'connection_failed', message: `${host}: access denied` });
    const noDb = await failure(mariadbPlatform.connect({ name: 'itmy', type: 'mariadb', url: urlAs(SYSTEM, SECRET, 'steward_it_my_absent'), options }));
    expect(noDb.code).toBe('connection_failed');
    expect(noDb.message).toMatch(/does not exist|denied/);
    const refused = await failure(mariadbPlatform.connect({ name: 'itmy', type: 'mariadb', url: 'mysql://u:hunter2@127.0.0.1:1/', options }));
    expect(refused).toMatchObject({ code: 'connection_failed', message: '127.0.0.1:1: connection refused' });
    for (const e of [wrong, noDb, refused]) {
      expect(e.hint).toBeTruthy();
      expect(`${e.message} ${e.hint} ${JSON.stringify(e.details)}`).not.toMatch(/hunter2|Sys-pw/);
    }
    const badDb = await failure(mariadbPlatform.connect({ name: 'itmy', type: 'mariadb', url: urlAs('root', '', 'steward_it_my_absent'), options }));
    expect(badDb.message).toMatch(/the database in the URL does not exist/);
  });
});
