/**
 * End to end on the real MariaDB, with Steward running as the least-privilege system account
 * that `connection check` advises (created by the test from the SQL it proposes, never root):
 * the example policies applied, felt by the governed accounts logging in; drift, group
 * removal, a new table covered at once, and an apply interrupted after every statement that
 * never over-grants and converges when re-run.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalClient } from '../../src/client/local-client.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { PlatformType } from '../../src/domain/connection.js';
import { mariadbPlatform } from '../../src/platforms/mysql/index.js';
import { quoteAccount, quoteIdent } from '../../src/platforms/mysql/quote.js';
import type { Platform } from '../../src/platforms/platform.js';
import { PLATFORMS } from '../../src/platforms/registry.js';
import { createServices } from '../../src/services/container.js';
import { openPglite } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';
import { MARIADB_URL, mariadbAvailable } from '../helpers/databases.js';
import { dropTestObjects, runAs } from '../helpers/mariadb-accounts.js';

const DB = 'mdb_e2e';
const CONN = 'mdbe2e';
const SYSTEM = 'mdb_e2e_steward';
const HOSTILE = "we`ird 'tab\"le ü";
const USERS = { alice: 'mdb_e2e_alice', bob: 'mdb_e2e_bob', carol: 'mdb_e2e_carol' } as const;
const url = new URL(MARIADB_URL);

const yaml = (groups: { alice: string; bob: string }, mode = 'enforce') => `
connections:
  ${CONN}:
    type: mariadb
    mode: ${mode}
    url: \${E2E_MY_URL}
    databases: [${DB}]
    protect: [${CONN}/${DB}]
groups: [analysts, writers]
users:
  alice: { groups: ${groups.alice}, principals: { ${CONN}: ${USERS.alice} } }
  bob:   { groups: ${groups.bob}, principals: { ${CONN}: ${USERS.bob} } }
  carol: { groups: [], principals: { ${CONN}: ${USERS.carol} } }
tags:
  ${CONN}/${DB}/orders: [sales]
policies:
  - name: analysts-read-sales
    type: subscription
    access: read
    to: { groups: [analysts] }
    on: { tags: [sales] }
  - name: writers-write-all
    type: subscription
    access: write
    to: { groups: [writers] }
    on: { paths: ["${CONN}/${DB}/*"] }
`;

const asUser = (user: string, sql: string): Promise<string> => runAs(user, 'pw', sql, DB);

const denied = /denied/i;

/** Which of a fixed set of probes each user can run right now. */
async function accessMatrix(): Promise<Record<string, string[]>> {
  const probes = {
    readOrders: 'SELECT * FROM orders',
    writeOrders: 'INSERT INTO orders VALUES (99)',
    readCustomers: 'SELECT * FROM customers',
    writeCustomers: 'INSERT INTO customers VALUES (99)',
  };
  const out: Record<string, string[]> = {};
  for (const [name, user] of Object.entries(USERS)) {
    out[name] = [];
    for (const [probe, sql] of Object.entries(probes)) if ((await asUser(user, sql)) === 'ok') out[name].push(probe);
  }
  return out;
}

describe.skipIf(!mariadbAvailable)('MariaDB end to end', () => {
  let admin: mysql.Connection;
  let client: StewardClient;
  /** When set, execute() runs only this many statements: an apply "killed" there. */
  let cutAfter: number | null = null;
  const env = { E2E_MY_URL: `mysql://${SYSTEM}:Sys-pw-e2e@${url.hostname}:${url.port || 3306}/` };
  const config = (g = { alice: '[analysts]', bob: '[writers]' }) => parseConfig(yaml(g), 'steward.yaml', env);
  const apply = async (g?: { alice: string; bob: string }) => {
    await client.storeConfig(config(g));
    return client.applyConnection(CONN, { force: true });
  };

  const dropAll = () => dropTestObjects(admin, ['steward\\_mdbe2e\\_\\_%', 'mdb\\_e2e\\_%'], [DB]);

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: MARIADB_URL, multipleStatements: false });
    await dropAll();
    await admin.query(`CREATE DATABASE ${quoteIdent(DB)}`);
    await admin.query(`CREATE TABLE ${quoteIdent(DB)}.orders (id int)`);
    await admin.query(`CREATE TABLE ${quoteIdent(DB)}.customers (id int)`);
    await admin.query(`CREATE TABLE ${quoteIdent(DB)}.${quoteIdent(HOSTILE)} (${quoteIdent('cöl`x')} int)`);
    for (const u of Object.values(USERS)) await admin.query(`CREATE USER ${quoteAccount(u, '%')} IDENTIFIED BY 'pw'`);
    await admin.query(`CREATE USER ${quoteAccount(SYSTEM, '%')} IDENTIFIED BY 'Sys-pw-e2e'`);

    // A platform registry whose MariaDB sessions can be cut off after N statements.
    const cutting: Platform = {
      ...mariadbPlatform,
      async connect(spec) {
        const session = await mariadbPlatform.connect(spec);
        return {
          ...session,
          execute: (statements, opts) => session.execute(cutAfter === null ? statements : statements.slice(0, cutAfter), opts),
        };
      },
    };
    const platforms: Record<PlatformType, Platform> = { ...PLATFORMS, mariadb: cutting };
    const db = await openPglite(null);
    await migrate(db);
    client = createLocalClient(createServices({ db, masterKey: randomBytes(32), platforms }), 'test');

    // The system account gets exactly what `connection check` proposes, run by an admin.
    await client.storeConfig(config());
    const before = await client.checkConnection(CONN);
    expect(before.grantSql.length).toBeGreaterThan(0);
    for (const statement of before.grantSql) await admin.query(statement);
    const after = await client.checkConnection(CONN);
    expect(after.grantSql).toEqual([]);
    expect([...after.sync, ...after.enforcement].filter((c) => !c.ok)).toEqual([]);
  });

  afterAll(async () => {
    await client?.close();
    if (admin) await dropAll();
    await admin?.end();
  });

  it('runs as the least-privilege account, not as root', async () => {
    const report = await client.checkConnection(CONN);
    expect(report.user).toBe(`${SYSTEM}@%`);
    expect(report.excess).toEqual([]);
  });

  it('enforces the example policies for the accounts that log in', async () => {
    const r = await apply();
    expect(r.status).toBe('applied');
    expect(await accessMatrix()).toEqual({
      alice: ['readOrders'],
      bob: ['readOrders', 'writeOrders', 'readCustomers', 'writeCustomers'],
      carol: [],
    });
    expect(await asUser(USERS.bob, `SELECT ${quoteIdent('cöl`x')} FROM ${quoteIdent(HOSTILE)}`)).toBe('ok');
    expect(await asUser(USERS.alice, `SELECT * FROM ${quoteIdent(HOSTILE)}`)).toMatch(denied);
  });

  it('plan after apply is empty', async () => {
    const [plan] = await client.plan(config());
    expect(plan!.operations).toEqual([]);
  });

  it('a table created later is covered at once by the database grant of a whole-database policy', async () => {
    await admin.query(`CREATE TABLE ${quoteIdent(DB)}.later (id int)`);
    // No sync, no apply: bob writes the whole database, so he reaches it already; alice does not.
    expect(await asUser(USERS.bob, 'INSERT INTO later VALUES (1)')).toBe('ok');
    expect(await asUser(USERS.alice, 'SELECT * FROM later')).toMatch(denied);
    await admin.query(`DROP TABLE ${quoteIdent(DB)}.later`);
  });

  it('reverts a hand-made grant (drift)', async () => {
    await admin.query(`GRANT SELECT ON ${quoteIdent(DB)}.customers TO ${quoteAccount(USERS.carol, '%')}`);
    expect(await asUser(USERS.carol, 'SELECT * FROM customers')).toBe('ok');
    const [plan] = await client.plan(config());
    expect(plan!.driftCount).toBeGreaterThan(0);
    await apply();
    expect(await asUser(USERS.carol, 'SELECT * FROM customers')).toMatch(denied);
  });

  it('an apply killed after any statement never over-grants, and a re-run converges', async () => {
    const before = { alice: '[analysts]', bob: '[writers]' };
    const after = { alice: '[writers]', bob: '[analysts]' };
    const allowed = (a: Record<string, string[]>, b: Record<string, string[]>) =>
      Object.fromEntries(Object.keys(a).map((k) => [k, new Set([...a[k]!, ...b[k]!])]));
    await apply(before);
    const oldAccess = await accessMatrix();
    const [plan] = await client.plan(config(after));
    const n = plan!.statements.length;
    expect(n).toBeGreaterThan(1);
    await apply(after);
    const newAccess = await accessMatrix();
    const limit = allowed(oldAccess, newAccess);
    for (let k = 1; k < n; k++) {
      await apply(before);
      cutAfter = k;
      await apply(after);
      cutAfter = null;
      const mid = await accessMatrix();
      for (const [user, probes] of Object.entries(mid)) {
        for (const p of probes) expect(limit[user]!.has(p), `after ${k}/${n} statements ${user} can ${p}`).toBe(true);
      }
      const rerun = await apply(after);
      expect(rerun.status === 'applied' || rerun.status === 'no-op').toBe(true);
      const [again] = await client.plan(config(after));
      expect(again!.operations).toEqual([]);
    }
    expect(await accessMatrix()).toEqual(newAccess);
  });

  it('notify-only mode records the plan and runs nothing', async () => {
    const beforeAccess = await accessMatrix();
    await client.storeConfig(parseConfig(yaml({ alice: '[writers]', bob: '[]' }, 'notify'), 'steward.yaml', env));
    const r = await client.applyConnection(CONN, { force: true });
    expect(r.status).toBe('notified');
    expect(r.results).toEqual([]);
    expect(r.plan.statements.length).toBeGreaterThan(0);
    expect(await accessMatrix()).toEqual(beforeAccess);
    const [event] = await client.audit({ connection: CONN, action: 'apply.notify' });
    const details = (await client.auditEvent(event!.id)).details as { statements: string[] };
    expect(details.statements).toEqual(r.plan.statements.map((x) => x.sql));
  });

  it('removing a user from a group revokes their access', async () => {
    await apply({ alice: '[]', bob: '[analysts]' });
    expect(await accessMatrix()).toMatchObject({ alice: [] });
  });
});
