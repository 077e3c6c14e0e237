/**
 * The membership-scoped reconcile (what the server's jobs run after a change to users and
 * groups), on the real PostgreSQL as a least-privilege account: a membership change is planned
 * from roles and memberships alone (no sync, one statement, audited, verified, enforced for the
 * governed user); a membership taken away by hand is put back as drift; anything more than
 * memberships, or a last applied state this process did not write, takes the full path.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalClient } from '../../src/client/local-client.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createServices, type Services } from '../../src/services/container.js';
import { openPglite, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';
import { pgAvailable } from '../helpers/databases.js';
import { asUser, dropRoles, dropRolesWithPrefix, freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';

const DB = 'lat_scoped';
const CONN = 'latscoped';
const PREFIX = `steward_${CONN}__`;
const SYS = 'lat_scoped_sys';
const ETL = 'lat_scoped_etl';
const [ALICE, BOB, EVE] = ['lat_scoped_alice', 'lat_scoped_bob', 'lat_scoped_eve'];

const yaml = (opts: { extraPolicy?: boolean } = {}) => `
connections:
  ${CONN}:
    type: postgres
    url: \${LAT_SCOPED_URL}
    databases: [${DB}]
    protect: [${CONN}/${DB}/shop]
users:
  alice: { groups: [analysts], principals: { ${CONN}: ${ALICE} } }
  bob: { groups: [writers], principals: { ${CONN}: ${BOB} } }
policies:
  - { name: analysts-read, type: subscription, access: read, to: { groups: [analysts] }, on: { paths: [${CONN}/${DB}/shop/orders] } }
  - { name: writers-write, type: subscription, access: write, to: { groups: [writers] }, on: { paths: ["${CONN}/${DB}/shop/*"] } }
${opts.extraPolicy ? `  - { name: analysts-customers, type: subscription, access: read, to: { groups: [analysts] }, on: { paths: [${CONN}/${DB}/shop/customers] } }` : ''}
`;

describe.skipIf(!pgAvailable)('the membership-scoped reconcile (PostgreSQL, least-privilege account)', () => {
  let services: Services;
  let client: StewardClient;
  let store: Db;
  const env = { LAT_SCOPED_URL: pgUrl(DB, SYS, 'pw') };
  const config = (opts?: Parameters<typeof yaml>[0]) => parseConfig(yaml(opts), 'steward.yaml', env);
  const user = (name: string, principal: string, groups: string[]) => ({ name, email: null, groups, attributes: {}, principals: { [CONN]: principal } });
  /** What the jobs run after a change to users or groups. */
  const scopedApply = () => services.reconcile.apply(CONN, () => services.config.modelFor(CONN), { actor: 'test', auditNoop: false, scoped: true });

  beforeAll(async () => {
    await withPg(pgUrl('postgres'), (c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`));
    await dropRolesWithPrefix(PREFIX);
    await freshDatabase(DB, [SYS, ALICE, BOB, EVE], [ETL]);
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`ALTER ROLE ${SYS} CREATEROLE`);
      await c.query(`GRANT CONNECT ON DATABASE ${DB} TO ${SYS} WITH GRANT OPTION`);
      await c.query(`CREATE SCHEMA shop AUTHORIZATION ${ETL}`);
      await c.query(`GRANT ${ETL} TO ${SYS}`);
      await c.query(`SET ROLE ${ETL}`);
      await c.query('CREATE TABLE shop.orders (id serial PRIMARY KEY, region text)');
      await c.query('CREATE TABLE shop.customers (id int PRIMARY KEY, email text)');
      await c.query(`GRANT USAGE ON SCHEMA shop TO ${EVE}`);
      await c.query('RESET ROLE');
    });
    store = await openPglite(null);
    await migrate(store);
    services = createServices({ db: store, masterKey: randomBytes(32) });
    client = createLocalClient(services, 'test');
  });

  afterAll(async () => {
    await client?.close();
    await withPg(pgUrl('postgres'), (c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`));
    await dropRolesWithPrefix(PREFIX);
    await withPg(pgUrl('postgres'), (c) => dropRoles(c, [SYS, ALICE, BOB, EVE, ETL]));
  });

  /** Steward's role of a policy (names carry a hash and the access). */
  const roleOf = async (policy: string): Promise<string> =>
    withPg(pgUrl(DB), async (c) => {
      const rows = await c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [`${PREFIX}${policy.replace(/-/g, '_')}_`]);
      expect(rows.rows).toHaveLength(1);
      return rows.rows[0]!.rolname;
    });

  it('a user joining a group: one statement from roles and memberships alone, audited, verified, enforced', async () => {
    expect((await client.applyConfig(config(), {})).connections[0]!.status).toBe('applied');
    expect(await asUser(DB, ALICE, `INSERT INTO shop.orders (region) VALUES ('eu')`)).toMatch(/permission denied/);
    await client.putUser(user('alice', ALICE, ['analysts', 'writers']));
    const r = await scopedApply();
    expect(r.status).toBe('applied');
    expect(r.plan.scoped).toBe('memberships');
    expect(r.sync).toBeNull();
    // Into the group's role, which holds the group's policy roles.
    expect(r.plan.statements.map((s) => s.sql)).toEqual([`GRANT "${PREFIX}g_writers" TO "${ALICE}"`]);
    expect(r.unconverged).toEqual([]);
    expect(await asUser(DB, ALICE, `INSERT INTO shop.orders (region) VALUES ('eu')`)).toBe('ok');
    const event = await client.auditEvent(r.auditId!);
    expect(event).toMatchObject({ outcome: 'ok', details: { scoped: 'memberships' } });
    // Leaving: the revoke, likewise.
    await client.putUser(user('alice', ALICE, ['analysts']));
    const left = await scopedApply();
    expect(left.plan.scoped).toBe('memberships');
    expect(left.plan.statements.map((s) => s.sql)).toEqual([`REVOKE "${PREFIX}g_writers" FROM "${ALICE}"`]);
    expect(await asUser(DB, ALICE, `INSERT INTO shop.orders (region) VALUES ('eu')`)).toMatch(/permission denied/);
    // The full plan agrees: nothing left to do.
    const [plan] = await client.plan(config());
    expect(plan!.operations).toEqual([]);
  });

  it('a membership taken away by hand is put back, as drift', async () => {
    expect(await roleOf('analysts-read')).toMatch(/_r$/);
    await withPg(pgUrl(DB), (c) => c.query(`REVOKE "${PREFIX}g_analysts" FROM ${ALICE}`));
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.orders')).toMatch(/permission denied/);
    const r = await scopedApply();
    expect(r.plan.scoped).toBe('memberships');
    expect(r.plan.operations).toEqual([expect.objectContaining({ kind: 'grantMembership', drift: true })]);
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.orders')).toBe('ok');
  });

  it('leaves grant drift to the drift check (a full run), which reverts it', async () => {
    await withPg(pgUrl(DB), (c) => c.query(`GRANT SELECT ON shop.customers TO ${EVE}`));
    const scoped = await scopedApply();
    expect(scoped.plan.scoped).toBe('memberships');
    expect(scoped.status).toBe('no-op');
    expect(await asUser(DB, EVE, 'SELECT * FROM shop.customers')).toBe('ok');
    const full = await client.applyConnection(CONN, {});
    expect(full.status).toBe('applied');
    expect(await asUser(DB, EVE, 'SELECT * FROM shop.customers')).toMatch(/permission denied/);
  });

  it('a change to more than memberships takes the full path, sync included', async () => {
    await client.storeConfig(config({ extraPolicy: true }));
    const r = await scopedApply();
    expect(r.plan.scoped).toBeUndefined();
    expect(r.sync).not.toBeNull();
    expect(r.status).toBe('applied');
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.customers')).toBe('ok');
  });

  it('a last applied state this process did not write takes the full path', async () => {
    await client.putUser(user('bob', BOB, ['writers', 'analysts']));
    // As if another server (or the CLI on a shared store) had applied since.
    await store.query(`UPDATE connection_status SET applied_digest = 'elsewhere' WHERE connection = $1`, [CONN]);
    const r = await scopedApply();
    expect(r.plan.scoped).toBeUndefined();
    expect(r.sync).not.toBeNull();
    expect(r.status).toBe('applied');
    // Written by this process again: the next membership change is scoped.
    await client.putUser(user('bob', BOB, ['writers']));
    const next = await scopedApply();
    expect(next.plan.scoped).toBe('memberships');
    expect(next.plan.operations).toEqual([expect.objectContaining({ kind: 'revokeMembership', roles: [`${PREFIX}g_analysts`] })]);
  });
});
