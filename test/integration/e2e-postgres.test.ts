/**
 * End to end on the real PostgreSQL, as a user would feel it: apply a steward.yaml like the one
 * in INTERFACE.md, then log in as the governed users and see queries succeed or be denied.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { createLocalClient } from '../../src/client/local-client.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import { createServices } from '../../src/services/container.js';
import { openPglite } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';
import { quoteIdent } from '../../src/platforms/postgres/quote.js';
import { pgAvailable } from '../helpers/databases.js';
import { asUser, dropRoles, dropRolesWithPrefix, freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';

const DB = 'steward_e2e_pg';
const CONN = 'e2epg';
const PREFIX = `steward_${CONN}__`;
const [ALICE, BOB, CAROL, ETL, OTHER] = ['e2epg_alice', 'e2epg_bob', 'e2epg_carol', 'e2epg_etl', 'e2epg_other'];
const HOSTILE_SCHEMA = 'Wëird "schema"; --/*';
const HOSTILE_TABLE = "it's a \\table*";

const yaml = (alicesGroups: string) => `
connections:
  ${CONN}:
    type: postgres
    url: \${E2E_PG_URL}
    databases: [${DB}]
    protect: [${CONN}/${DB}/shop/*, "${CONN}/${DB}/Wëird \\"schema\\"; --\\\\/\\\\*"]
groups: [analysts, writers, hr]
users:
  alice:
    groups: ${alicesGroups}
    principals: { ${CONN}: ${ALICE} }
  bob:
    groups: [writers]
    principals: { ${CONN}: ${BOB} }
  carol:
    groups: [hr]
    principals: { ${CONN}: ${CAROL} }
tags:
  ${CONN}/${DB}/shop/orders: [sales]
policies:
  - name: analysts-read-sales
    type: subscription
    access: read
    to: { groups: [analysts] }
    on: { tags: [sales] }
  - name: writers-write-shop
    type: subscription
    access: write
    to: { groups: [writers] }
    on: { paths: ["${CONN}/${DB}/shop/*"] }
  - name: hr-read-weird
    type: subscription
    access: read
    to: { groups: [hr] }
    on: { paths: ["${CONN}/${DB}/Wëird \\"schema\\"; --\\\\/\\\\*/*"] }
`;

describe.skipIf(!pgAvailable)('PostgreSQL end to end', () => {
  let client: StewardClient;
  const env = { E2E_PG_URL: pgUrl(DB) };
  const config = (groups = '[analysts]') => parseConfig(yaml(groups), 'steward.yaml', env);
  const apply = async (groups?: string) => {
    await client.storeConfig(config(groups));
    return client.applyConnection(CONN, {});
  };

  beforeAll(async () => {
    await dropRolesWithPrefix(PREFIX);
    await freshDatabase(DB, [ALICE, BOB, CAROL], [ETL, OTHER]);
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`CREATE SCHEMA shop AUTHORIZATION ${ETL}`);
      await c.query(`GRANT CREATE ON SCHEMA public TO ${ETL}`);
      await c.query(`GRANT CREATE ON DATABASE ${DB} TO ${ETL}`);
      await c.query(`SET ROLE ${ETL}`);
      await c.query('CREATE TABLE shop.orders (id int primary key, region text)');
      await c.query('CREATE TABLE shop.customers (id int primary key, email text)');
      await c.query('CREATE TABLE public.unprotected (id int)');
      await c.query(`GRANT SELECT ON public.unprotected TO ${OTHER}`);
      await c.query(`CREATE SCHEMA ${quoteIdent(HOSTILE_SCHEMA)}`);
      await c.query(`CREATE TABLE ${quoteIdent(HOSTILE_SCHEMA)}.${quoteIdent(HOSTILE_TABLE)} (${quoteIdent('cöl "x"')} int)`);
      await c.query('RESET ROLE');
      await c.query(`INSERT INTO shop.orders VALUES (1, 'eu')`);
    });
    const db = await openPglite(null);
    await migrate(db);
    client = createLocalClient(createServices({ db, masterKey: randomBytes(32) }), 'test');
  });

  afterAll(async () => {
    await client?.close();
    // Leave the server as found: the database, Steward's roles and the test's logins.
    await withPg(pgUrl('postgres'), (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(DB)} WITH (FORCE)`));
    await dropRolesWithPrefix(PREFIX);
    await withPg(pgUrl('postgres'), (c) => dropRoles(c, [ALICE, BOB, CAROL, ETL, OTHER]));
  });

  it('plan shows the exact SQL and changes nothing', async () => {
    const [plan] = await client.plan(config());
    expect(plan!.statements.length).toBeGreaterThan(0);
    expect(plan!.statements.map((s) => s.sql).join('\n')).toContain(`GRANT SELECT ON TABLE "shop"."orders" TO`);
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.orders')).toMatch(/permission denied/);
  });

  it('apply enforces: the right people read and write, nobody else', async () => {
    const r = await apply();
    expect(r.status).toBe('applied');
    expect(r.results.every((x) => x.ok)).toBe(true);
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.orders')).toBe('ok');
    expect(await asUser(DB, ALICE, `INSERT INTO shop.orders VALUES (2, 'us')`)).toMatch(/permission denied/);
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.customers')).toMatch(/permission denied/);
    expect(await asUser(DB, BOB, `INSERT INTO shop.customers VALUES (1, 'a@b')`)).toBe('ok');
    expect(await asUser(DB, BOB, 'TRUNCATE shop.customers')).toBe('ok');
    expect(await asUser(DB, CAROL, 'SELECT * FROM shop.orders')).toMatch(/permission denied/);
    expect(await asUser(DB, CAROL, `SELECT ${quoteIdent('cöl "x"')} FROM ${quoteIdent(HOSTILE_SCHEMA)}.${quoteIdent(HOSTILE_TABLE)}`)).toBe('ok');
  });

  it('a second plan after apply is empty', async () => {
    const [plan] = await client.plan(config());
    expect(plan!.operations).toEqual([]);
  });

  it('a hand-made GRANT is drift: planned as such and reverted by apply', async () => {
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`GRANT USAGE ON SCHEMA shop TO ${CAROL}`);
      await c.query(`GRANT SELECT ON shop.customers TO ${CAROL}`);
    });
    expect(await asUser(DB, CAROL, 'SELECT * FROM shop.customers')).toBe('ok');
    const [plan] = await client.plan(config());
    expect(plan!.driftCount).toBeGreaterThan(0);
    expect(plan!.statements.map((s) => s.sql)).toContainEqual(expect.stringMatching(/^REVOKE SELECT ON TABLE "shop"."customers" FROM "e2epg_carol"/));
    await apply();
    expect(await asUser(DB, CAROL, 'SELECT * FROM shop.customers')).toMatch(/permission denied/);
  });

  it('a new table in a protected schema is covered (default privileges, then sync)', async () => {
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`SET ROLE ${ETL}`);
      await c.query('CREATE TABLE shop.refunds (id int)');
    });
    // Default privileges cover it at once, before any sync.
    expect(await asUser(DB, BOB, 'INSERT INTO shop.refunds VALUES (1)')).toBe('ok');
    const r = await apply();
    expect(r.sync?.added).toBeGreaterThan(0);
    const [plan] = await client.plan(config());
    expect(plan!.operations).toEqual([]);
  });

  it('grants on unprotected objects and unrelated roles are untouched', async () => {
    const acl = await withPg(pgUrl(DB), (c) => c.query<{ relacl: string }>(`SELECT relacl::text FROM pg_class WHERE oid = 'public.unprotected'::regclass`));
    expect(acl.rows[0]!.relacl).toContain(`${OTHER}=r/`);
  });

  it('a user leaving a group loses access, with one membership statement', async () => {
    const [plan] = await client.plan(config('[]'));
    expect(plan!.statements).toHaveLength(1);
    expect(plan!.statements[0]!.sql).toMatch(/^REVOKE .* FROM "e2epg_alice"$/);
    await apply('[]');
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.orders')).toMatch(/permission denied/);
  });

  it('explain and who-can say why', async () => {
    const why = JSON.stringify(await client.explain('bob', `${CONN}/${DB}/shop/orders`));
    expect(why).toContain('writers-write-shop');
    const who = JSON.stringify(await client.whoCan(`${CONN}/${DB}/shop/orders`));
    expect(who).toContain('bob');
    expect(who).not.toContain('alice"');
  });

  it('records every apply with its statements in the audit log', async () => {
    const events = await client.audit({ connection: CONN, action: 'apply' });
    expect(events.length).toBeGreaterThanOrEqual(3);
    const full = await client.auditEvent(events[events.length - 1]!.id);
    expect(JSON.stringify(full.details)).toContain('GRANT');
  });
});
