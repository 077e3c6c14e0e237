/**
 * Data policies end to end on the real MariaDB, through Steward, as the least-privilege system
 * account (exactly what `connection check` advises for this configuration, secure views
 * included): the same steward.yaml shape as on PostgreSQL (a hash mask on a `pii`
 * column tag, a region row filter), applied; governed accounts log in with their passwords and
 * read the secure view in `<database>_secure`; the base table is closed to them. Databases
 * `dp_e2e_my*`, connection `dp_e2em`, accounts `dp_e2em_*`.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalClient } from '../../src/client/local-client.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { Operation } from '../../src/domain/plan.js';
import { quoteAccount, quoteString } from '../../src/platforms/mysql/quote.js';
import { createServices } from '../../src/services/container.js';
import { openPglite } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';
import { MARIADB_URL, mariadbAvailable } from '../helpers/databases.js';
import { sha256hex } from '../helpers/secure-view-fixture.js';

const DB = 'dp_e2e_my';
const SECURE = 'dp_e2e_my_secure';
const SYSTEM = 'dp_e2e_my_steward';
const CONN = 'dp_e2em';
const USERS = { alice: 'dp_e2em_alice', bob: 'dp_e2em_bob', hana: 'dp_e2em_hana' } as const;
const ACCOUNT = 'dp_e2em_steward';
const ACCOUNT_PW = 'Sys-pw-dp';
const SALT = 'pepper-my';
const url = new URL(MARIADB_URL);

const yaml = (bobRegions: string) => `
connections:
  ${CONN}:
    type: mariadb
    url: \${E2E_MY_URL}
    databases: [${DB}]
    protect: [${CONN}/${DB}]
    views: { system: ${SYSTEM}, hashSalt: "\${E2E_SALT}" }
groups: [analysts, hr]
users:
  alice: { groups: [analysts], attributes: { region: [eu] }, principals: { ${CONN}: ${USERS.alice} } }
  bob: { groups: [analysts], attributes: { region: ${bobRegions} }, principals: { ${CONN}: ${USERS.bob} } }
  hana: { groups: [hr], principals: { ${CONN}: ${USERS.hana} } }
tags:
  ${CONN}/${DB}/customers/email: [pii]
policies:
  - name: read-all
    type: subscription
    access: read
    to: { groups: [analysts, hr] }
    on: { paths: ["${CONN}/${DB}/*"] }
  - name: hide-pii
    type: mask
    on: { columnTags: [pii] }
    mask: hash
    except: { groups: [hr] }
  - name: own-region
    type: rowFilter
    on: { paths: ["${CONN}/${DB}/customers"] }
    where: { column: region, in: user.attributes.region }
    except: { groups: [hr] }
`;

async function asUser(user: string, sql: string): Promise<Record<string, unknown>[] | string> {
  let c: mysql.Connection | null = null;
  try {
    c = await mysql.createConnection({ host: url.hostname, port: Number(url.port || 3306), user, password: 'pw' });
    const [rows] = await c.query(sql);
    return rows as Record<string, unknown>[];
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c?.end().catch(() => undefined);
  }
}

const kinds = (ops: readonly Operation[]): string[] => ops.map((o) => (o.kind === 'secureView' ? `secureView:${o.change.kind}` : o.kind));

describe.skipIf(!mariadbAvailable)('data policies end to end on MariaDB', () => {
  let admin: mysql.Connection;
  let client: StewardClient;
  const advice: string[] = [];
  const env = { E2E_MY_URL: `mysql://${ACCOUNT}:${ACCOUNT_PW}@${url.hostname}:${url.port || 3306}`, E2E_SALT: SALT };
  const config = (bobRegions = '[us]') => parseConfig(yaml(bobRegions), 'steward.yaml', env);
  const apply = async (bobRegions?: string) => {
    await client.storeConfig(config(bobRegions));
    return client.applyConnection(CONN, {});
  };

  async function cleanup(): Promise<void> {
    const [accounts] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT User AS u, Host AS h, is_role AS r FROM mysql.user WHERE User LIKE 'steward\\_dp\\_e2em\\_%' OR User LIKE 'dp\\_e2em\\_%'",
    );
    for (const a of accounts) await admin.query(a.r === 'Y' ? `DROP ROLE ${quoteString(a.u)}` : `DROP USER ${quoteAccount(a.u, a.h)}`);
    for (const db of [DB, SECURE, SYSTEM]) await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
  }

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: MARIADB_URL });
    await cleanup();
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.query(`CREATE TABLE ${DB}.customers (id int primary key, email varchar(80), region varchar(10))`);
    await admin.query(`CREATE TABLE ${DB}.orders (id int primary key, amount int)`);
    await admin.query(`INSERT INTO ${DB}.customers VALUES (1, 'ann@x.eu', 'eu'), (2, 'bob@x.us', 'us'), (3, 'cy@x.apac', 'apac')`);
    await admin.query(`INSERT INTO ${DB}.orders VALUES (1, 10)`);
    for (const u of Object.values(USERS)) await admin.query(`CREATE USER ${quoteAccount(u, '%')} IDENTIFIED BY 'pw'`);
    await admin.query(`CREATE USER ${quoteAccount(ACCOUNT, '%')} IDENTIFIED BY '${ACCOUNT_PW}'`);
    const db = await openPglite(null);
    await migrate(db);
    client = createLocalClient(createServices({ db, masterKey: randomBytes(32) }), 'test');
    // The system account: exactly what connection check advises for this configuration (data
    // policies included), run by an admin.
    await client.storeConfig(config());
    advice.push(...(await client.checkConnection(CONN)).grantSql);
    for (const statement of advice) await admin.query(statement);
  });

  it('connection check advises what secure views need, by escaped database patterns and never a data privilege on *.*', async () => {
    const esc = (db: string): string => db.replaceAll('_', '\\_');
    expect(advice).toContain(`GRANT CREATE, CREATE VIEW, SHOW VIEW, DROP, SELECT ON \`${esc(SECURE)}\`.* TO '${ACCOUNT}'@'%' WITH GRANT OPTION;`);
    expect(advice).toContain(`GRANT CREATE, CREATE VIEW, SHOW VIEW, DROP, SELECT, INSERT, UPDATE, DELETE ON \`${esc(SYSTEM)}\`.* TO '${ACCOUNT}'@'%' WITH GRANT OPTION;`);
    expect(advice).toContain(`GRANT SET USER ON *.* TO '${ACCOUNT}'@'%';`);
    for (const line of advice.filter((l) => / ON \*\.\* /.test(l))) expect(line).not.toMatch(/SELECT|INSERT|UPDATE|DELETE|CREATE VIEW|DROP|SUPER|ALL/);
    const report = await client.checkConnection(CONN);
    expect(report.grantSql).toEqual([]);
    expect(report.enforcement.filter((c) => !c.ok)).toEqual([]);
    expect((report.excess ?? []).map((e) => e.what)).toEqual([]);
  });

  afterAll(async () => {
    await client?.close();
    if (!mariadbAvailable) return;
    await cleanup();
    await admin.end();
  });

  it('apply: two people see two different, correct views of one table; neither reads the base table', async () => {
    const [plan] = await client.plan(config());
    expect(plan!.statements.map((s) => s.sql).join('\n')).toContain(`CREATE OR REPLACE ALGORITHM = TEMPTABLE DEFINER = 'steward_dp_e2em__views' SQL SECURITY DEFINER VIEW \`${SECURE}\`.\`customers\``);
    expect(JSON.stringify(plan)).not.toContain(SALT);
    // A whole-database grant would open the base table: table grants and the view instead.
    expect(plan!.statements.map((s) => s.sql)).not.toContainEqual(expect.stringMatching(/GRANT SELECT ON `dp\\_e2e\\_my`\.\*/));
    const r = await apply();
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('applied');
    const hash = (v: string): string => sha256hex(`${SALT}${v}`);
    expect(await asUser(USERS.alice, `SELECT id, email, region FROM ${SECURE}.customers ORDER BY id`)).toEqual([{ id: 1, email: hash('ann@x.eu'), region: 'eu' }]);
    expect(await asUser(USERS.bob, `SELECT id, email, region FROM ${SECURE}.customers ORDER BY id`)).toEqual([{ id: 2, email: hash('bob@x.us'), region: 'us' }]);
    expect(await asUser(USERS.hana, `SELECT id, email FROM ${SECURE}.customers ORDER BY id`)).toEqual([
      { id: 1, email: 'ann@x.eu' },
      { id: 2, email: 'bob@x.us' },
      { id: 3, email: 'cy@x.apac' },
    ]);
    for (const u of Object.values(USERS)) expect(await asUser(u, `SELECT * FROM ${DB}.customers`)).toMatch(/denied/);
    expect(await asUser(USERS.alice, `SELECT * FROM ${DB}.orders`)).toEqual([{ id: 1, amount: 10 }]);
  });

  it('a second plan is empty', async () => {
    const [plan] = await client.plan(config());
    expect(plan!.statements.map((s) => s.sql)).toEqual([]);
  });

  it('an attribute change plans profile rows only, and takes effect on apply', async () => {
    const [plan] = await client.plan(config('[us, apac]'));
    expect(kinds(plan!.operations)).toEqual(['secureView:insertProfileRows']);
    expect((await apply('[us, apac]')).status).toBe('applied');
    expect(((await asUser(USERS.bob, `SELECT id FROM ${SECURE}.customers ORDER BY id`)) as { id: number }[]).map((x) => x.id)).toEqual([2, 3]);
  });

  it('a hand-edited view is drift and is rebuilt', async () => {
    await admin.query(`CREATE OR REPLACE ALGORITHM = MERGE VIEW ${SECURE}.customers AS SELECT * FROM ${DB}.customers`);
    const [plan] = await client.plan(config('[us, apac]'));
    expect(plan!.operations.map((o) => [kinds([o])[0], o.drift === true])).toEqual([['secureView:buildView', true]]);
    expect((await apply('[us, apac]')).status).toBe('applied');
    expect(((await asUser(USERS.alice, `SELECT id FROM ${SECURE}.customers`)) as unknown[]).length).toBe(1);
    expect((await client.plan(config('[us, apac]')))[0]!.operations).toEqual([]);
  });
  it('connection remove without --revoke refuses, naming the secure views and the databases Steward made', async () => {
    const err = (await client.removeConnection(CONN).catch((e: unknown) => e)) as Error & { details?: { footprint?: { viewObjects: { what: string; path: string }[] } } };
    expect(err.message).toMatch(/and made 1 secure views and 2 schemas or databases for data policies/);
    expect(err.details?.footprint?.viewObjects.map((o) => [o.what, o.path])).toEqual([
      ['secure view', `${CONN}/${SECURE}/customers`],
      ['view database', `${CONN}/${SECURE}`],
      ['system database', `${CONN}/${SYSTEM}`],
    ]);
  });

  it('connection remove --revoke drops the secure views, the view and system databases and the view role; the data stays', async () => {
    const r = await client.removeConnection(CONN, { revoke: true });
    expect(r.teardown?.status).toBe('applied');
    expect(r.footprint?.viewObjects.every((o) => o.removable)).toBe(true);
    const [dbs] = await admin.query<mysql.RowDataPacket[]>('SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?, ?, ?) ORDER BY 1', [DB, SECURE, SYSTEM]);
    expect(dbs.map((d) => String(d.n))).toEqual([DB]);
    const [roles] = await admin.query<mysql.RowDataPacket[]>("SELECT User AS u FROM mysql.user WHERE User LIKE 'steward\\_dp\\_e2em\\_%'");
    expect(roles).toEqual([]);
    const [rows] = await admin.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${DB}.customers`);
    expect(Number(rows[0]!.n)).toBe(3);
    expect(await asUser(USERS.alice, `SELECT * FROM ${DB}.orders`)).toMatch(/denied/);
  });
});
