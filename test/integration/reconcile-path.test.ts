/**
 * The one reconcile path, on the real PostgreSQL, run as a least-privilege system account (not
 * a superuser): the lock is held from reading to recording, the apply is written ahead to the
 * audit log, what ran is read back (unconverged operations are said), what was shown is what
 * runs, objects not synced yet are left alone, report-mode drift stays visible, a vanished
 * database is a removed one, and removing a connection says or takes away what Steward left.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalClient } from '../../src/client/local-client.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { AccessScope } from '../../src/domain/access.js';
import type { PlatformType } from '../../src/domain/connection.js';
import { StewardError } from '../../src/domain/errors.js';
import type { Platform, PlatformSession } from '../../src/platforms/platform.js';
import { PLATFORMS } from '../../src/platforms/registry.js';
import { createServices, type Services } from '../../src/services/container.js';
import { openPglite, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';
import { statusRepo } from '../../src/store/status-repo.js';
import { pgAvailable } from '../helpers/databases.js';
import { asUser, dropRoles, dropRolesWithPrefix, freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';

const DB = 'core_rp';
const DB2 = 'core_rp_gone';
const CONN = 'corerp';
const PREFIX = `steward_${CONN}__`;
const SYS = 'core_rp_sys';
const ETL = 'core_rp_etl';
const [ALICE, BOB, EVE] = ['core_rp_alice', 'core_rp_bob', 'core_rp_eve'];

const yaml = (opts: { drift?: 'report'; bobWrites?: boolean; aliceWrites?: boolean; extraPolicy?: boolean } = {}) => `
connections:
  ${CONN}:
    type: postgres
    url: \${CORE_RP_URL}
    databases: [${DB}]
    protect: [${CONN}/${DB}/shop]
    ${opts.drift ? `drift: ${opts.drift}` : ''}
users:
  alice: { groups: [analysts${opts.aliceWrites === true ? ', writers' : ''}], principals: { ${CONN}: ${ALICE} } }
  bob: { groups: [${opts.bobWrites === false ? 'none' : 'writers'}], principals: { ${CONN}: ${BOB} } }
policies:
  - { name: analysts-read, type: subscription, access: read, to: { groups: [analysts] }, on: { paths: [${CONN}/${DB}/shop/orders] } }
  - { name: writers-write, type: subscription, access: write, to: { groups: [writers] }, on: { paths: ["${CONN}/${DB}/shop/*"] } }
${opts.extraPolicy ? `  - { name: analysts-customers, type: subscription, access: read, to: { groups: [analysts] }, on: { paths: [${CONN}/${DB}/shop/customers] } }` : ''}
`;

describe.skipIf(!pgAvailable)('the reconcile path (PostgreSQL, least-privilege account)', () => {
  let services: Services;
  let client: StewardClient;
  let store: Db;
  const masterKey = randomBytes(32);
  /** Statements the wrapped session must pretend to run without running them (to prove verification). */
  const swallow = new Set<string>();
  /** The scopes the reconcile read the database's access with, in order. */
  const reads: AccessScope[] = [];
  const env = { CORE_RP_URL: pgUrl(DB, SYS, 'pw') };
  const config = (opts?: Parameters<typeof yaml>[0]) => parseConfig(yaml(opts), 'steward.yaml', env);

  beforeAll(async () => {
    await dropRolesWithPrefix(PREFIX);
    await withPg(pgUrl('postgres'), (c) => c.query(`DROP DATABASE IF EXISTS ${DB2} WITH (FORCE)`));
    await freshDatabase(DB, [SYS, ALICE, BOB, EVE], [ETL]);
    await withPg(pgUrl(DB), async (c) => {
      // The least-privilege system account: CREATEROLE, CONNECT, and what it hands out WITH GRANT
      // OPTION from the owner; membership in the (non-superuser) owner for default privileges.
      await c.query(`ALTER ROLE ${SYS} CREATEROLE`);
      await c.query(`GRANT CONNECT ON DATABASE ${DB} TO ${SYS} WITH GRANT OPTION`);
      await c.query(`CREATE SCHEMA shop AUTHORIZATION ${ETL}`);
      await c.query(`GRANT ${ETL} TO ${SYS}`);
      await c.query(`SET ROLE ${ETL}`);
      await c.query('CREATE TABLE shop.orders (id serial PRIMARY KEY, region text)');
      await c.query('CREATE TABLE shop.customers (id int PRIMARY KEY, email text)');
      await c.query(`INSERT INTO shop.orders (region) VALUES ('eu')`);
      // Eve may enter the schema (containers are not Steward's to decide for others): what she
      // may read there is.
      await c.query(`GRANT USAGE ON SCHEMA shop TO ${EVE}`);
      await c.query('RESET ROLE');
    });
    const db = (store = await openPglite(null));
    await migrate(db);
    // The real PostgreSQL platform, with execute wrapped: statements listed in `swallow` report
    // success without running, as a misbehaving server or a no-op REVOKE would.
    const wrap = (p: Platform): Platform => ({
      ...p,
      async connect(spec) {
        const s = await p.connect(spec);
        const session: PlatformSession = {
          ...s,
          introspect: (o) => s.introspect(o),
          check: () => s.check(),
          lock: (k) => s.lock(k),
          readActualState: (scope) => {
            reads.push(scope);
            return s.readActualState(scope);
          },
          async execute(statements, opts) {
            const kept = statements.filter((st) => !swallow.has(st.sql));
            const r = await s.execute(kept, opts);
            const faked = statements.filter((st) => swallow.has(st.sql)).map((statement) => ({ statement, ok: true, ms: 0 }));
            for (const f of faked) opts.onStatement?.(f);
            return { ...r, results: [...r.results, ...faked] };
          },
          close: () => s.close(),
        };
        return session;
      },
    });
    const platforms = Object.fromEntries(Object.entries(PLATFORMS).map(([k, v]) => [k, wrap(v)])) as Record<PlatformType, Platform>;
    services = createServices({ db, masterKey, platforms });
    client = createLocalClient(services, 'test');
  });

  afterAll(async () => {
    await client?.close();
    await dropRolesWithPrefix(PREFIX);
    await withPg(pgUrl('postgres'), async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
      await c.query(`DROP DATABASE IF EXISTS ${DB2} WITH (FORCE)`);
      await dropRoles(c, [SYS, ALICE, BOB, EVE, ETL]);
    });
  });

  it('applies under the lock, writes the apply ahead to the audit log, and reads it back', async () => {
    const r = await client.applyConfig(config(), {});
    const [c] = r.connections;
    expect(c!.status).toBe('applied');
    expect(c!.unconverged).toEqual([]);
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.orders')).toBe('ok');
    // Writers get USAGE on the serial column's sequence: the insert works for bob.
    expect(await asUser(DB, BOB, `INSERT INTO shop.orders (region) VALUES ('us')`)).toBe('ok');
    expect(await asUser(DB, ALICE, `INSERT INTO shop.orders (region) VALUES ('us')`)).toMatch(/permission denied/);
    const event = await client.auditEvent(c!.auditId!);
    expect(event.outcome).toBe('ok');
    const details = event.details as { plannedStatements: unknown[]; statements: { sql: string; ok: boolean }[]; unconverged: unknown[] };
    expect(details.statements).toHaveLength(details.plannedStatements.length);
    expect(details.statements.every((s) => s.ok)).toBe(true);
    expect(details.unconverged).toEqual([]);
    const [status] = await client.status();
    expect(status).toMatchObject({ connection: CONN, lastApplyOutcome: 'ok', unconverged: 0, blocked: 0 });
    // The next plan is empty.
    const [again] = await client.plan(config());
    expect(again!.operations).toEqual([]);
  });

  it('says what did not happen: an operation the database does not reflect is unconverged, in the result, the audit and status', async () => {
    const [plan] = await client.plan(config({ extraPolicy: true }));
    const grant = plan!.statements.find((s) => s.sql.startsWith('GRANT SELECT ON TABLE "shop"."customers"'))!;
    expect(grant).toBeDefined();
    swallow.add(grant.sql);
    try {
      const [c] = (await client.applyConfig(config({ extraPolicy: true }), {})).connections;
      expect(c!.status).toBe('unconverged');
      expect(c!.unconverged).toEqual([expect.objectContaining({ kind: 'grant', securables: [{ kind: 'table', segments: [DB, 'shop', 'customers'] }] })]);
      // A plan with grants in it reads back the ACLs of its whole scope.
      expect(reads.at(-1)!.protectedTables.length).toBeGreaterThan(0);
      expect((await client.auditEvent(c!.auditId!)).outcome).toBe('unconverged');
      expect((await client.status())[0]).toMatchObject({ lastApplyOutcome: 'unconverged', unconverged: 1 });
      expect(await asUser(DB, ALICE, 'SELECT * FROM shop.customers')).toMatch(/permission denied/);
    } finally {
      swallow.clear();
    }
    // The next run converges and says so.
    const [c] = (await client.applyConfig(config({ extraPolicy: true }), {})).connections;
    expect(c!.status).toBe('applied');
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.customers')).toBe('ok');
  });

  it('after a plan of memberships only, reads back roles and memberships alone, and still says what did not happen', async () => {
    const joined = config({ extraPolicy: true, aliceWrites: true });
    const [plan] = await client.plan(joined);
    expect(plan!.statements.map((s) => s.sql)).toEqual([`GRANT "${PREFIX}g_writers" TO "${ALICE}"`]);
    swallow.add(plan!.statements[0]!.sql);
    try {
      reads.length = 0;
      const [c] = (await client.applyConfig(joined, {})).connections;
      expect(c!.status).toBe('unconverged');
      expect(c!.unconverged).toEqual([expect.objectContaining({ kind: 'grantMembership', roles: [`${PREFIX}g_writers`], members: [{ kind: 'role', name: ALICE }] })]);
      // The plan read every protected table's ACL; the read-back, none.
      expect(reads).toHaveLength(2);
      expect(reads[0]!.protectedTables.length).toBeGreaterThan(0);
      expect(reads[1]).toMatchObject({ protectedTables: [], protectedSequences: [], containers: [], databases: [] });
      expect(reads[1]!.principals).toEqual(reads[0]!.principals);
    } finally {
      swallow.clear();
    }
    reads.length = 0;
    const [c] = (await client.applyConfig(joined, {})).connections;
    expect(c!.status).toBe('applied');
    expect(c!.unconverged).toEqual([]);
    expect(reads[1]!.protectedTables).toEqual([]);
    expect(await asUser(DB, ALICE, `INSERT INTO shop.orders (region) VALUES ('eu')`)).toBe('ok');
    // Leaving again: one revoke, read back the same way, and enforced.
    reads.length = 0;
    const [back] = (await client.applyConfig(config({ extraPolicy: true }), {})).connections;
    expect(back!.status).toBe('applied');
    expect(back!.plan.operations.map((o) => o.kind)).toEqual(['revokeMembership']);
    expect(reads.map((r) => r.protectedTables.length > 0)).toEqual([true, false]);
    expect(await asUser(DB, ALICE, `INSERT INTO shop.orders (region) VALUES ('eu')`)).toMatch(/permission denied/);
  });

  it('classifies drift against the last apply of any process: another process applying since is seen', async () => {
    // This process applied the customers policy (and keeps that state in memory); another
    // process on the same store then applied the file without it, dropping its role.
    expect((await client.applyConfig(config({ extraPolicy: true }), {})).connections[0]!.status).not.toBe('failed');
    const other = createLocalClient(createServices({ db: store, masterKey }), 'test-other');
    const [removed] = (await other.applyConfig(config(), {})).connections;
    expect(removed!.status).toBe('applied');
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.customers')).toMatch(/permission denied/);
    // Granting it again is the configuration's change, not drift: the last apply (the other
    // process's) did not hold it. Drift would mean this process trusted its own older state.
    const [plan] = await client.plan(config({ extraPolicy: true }));
    const grant = plan!.operations.find((o) => o.kind === 'grant' && o.securables.some((x) => x.segments.join('.') === `${DB}.shop.customers`));
    expect(grant).toBeDefined();
    expect(plan!.operations.filter((o) => o.drift === true)).toEqual([]);
    const [back] = (await client.applyConfig(config({ extraPolicy: true }), {})).connections;
    expect(back!.status).toBe('applied');
    expect(back!.plan.driftCount).toBe(0);
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.customers')).toBe('ok');
  });

  it('runs only the plan that was shown: a changed database refuses the apply and stores nothing', async () => {
    const shown = await client.plan(config());
    expect(shown[0]!.operations.length).toBeGreaterThan(0); // revokes analysts-customers
    await withPg(pgUrl(DB), (c) => c.query(`GRANT SELECT ON shop.customers TO ${EVE}`));
    const expect_ = { [CONN]: { digest: shown[0]!.digest, statements: shown[0]!.statements.map((s) => s.sql) } };
    const err = await client.applyConfig(config(), { expect: expect_ }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StewardError);
    expect((err as StewardError).code).toBe('conflict');
    expect((err as StewardError).message).toMatch(/changed since it was shown: 1 statements would be added/);
    expect(JSON.stringify((err as StewardError).details)).toContain('core_rp_eve');
    // Nothing stored: the file's removal of analysts-customers did not reach the store.
    expect((await client.listPolicies()).map((p) => p.policy.name)).toContain('analysts-customers');
    // Shown again, it runs.
    const fresh = await client.plan(config());
    const r = await client.applyConfig(config(), { expect: { [CONN]: { digest: fresh[0]!.digest } } });
    expect(r.connections[0]!.status).toBe('applied');
    expect(await asUser(DB, EVE, 'SELECT * FROM shop.customers')).toMatch(/permission denied/);
  });

  it('a drift check before a sync leaves alone what default privileges gave a table not synced yet', async () => {
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`SET ROLE ${ETL}`);
      await c.query('CREATE TABLE shop.refunds (id serial, amount int)');
    });
    // Default privileges cover it at once.
    expect(await asUser(DB, BOB, 'INSERT INTO shop.refunds (amount) VALUES (1)')).toBe('ok');
    const r = await client.applyConnection(CONN, { sync: false });
    expect(r.plan.unsynced).toBeGreaterThan(0);
    expect(r.plan.operations.filter((o) => o.kind === 'revoke')).toEqual([]);
    expect(await asUser(DB, BOB, 'INSERT INTO shop.refunds (amount) VALUES (2)')).toBe('ok');
    // Once synced, the table is the policies' like any other: nothing to change.
    const synced = await client.applyConnection(CONN, {});
    expect(synced.status).toBe('no-op');
    expect(synced.plan.unsynced).toBe(0);
  });

  it('drift: report keeps reported drift visible in the plan, the audit log and status', async () => {
    await client.applyConfig(config({ drift: 'report' }), {});
    await withPg(pgUrl(DB), (c) => c.query(`GRANT SELECT ON shop.orders TO ${EVE}`));
    const r = await client.applyConnection(CONN, {});
    expect(r.status).toBe('no-op');
    expect(r.plan.reportedDrift).toHaveLength(1);
    expect((await client.auditEvent(r.auditId!)).summary).toMatch(/drift reported, not reverted: 1/);
    expect((await client.status())[0]).toMatchObject({ reportedDrift: 1 });
    expect(await asUser(DB, EVE, 'SELECT * FROM shop.orders')).toBe('ok');
    // Back to enforce: reverted.
    await client.applyConfig(config(), {});
    expect(await asUser(DB, EVE, 'SELECT * FROM shop.orders')).toMatch(/permission denied/);
    expect((await client.status())[0]).toMatchObject({ reportedDrift: 0, driftCount: 0 });
  });

  it('an apply left "started" by a dead process shows as interrupted, and the next apply marks it so', async () => {
    const id = await services.audit.begin({ actor: 'test', action: 'apply', connection: CONN, summary: '1 statements planned' });
    await statusRepo.applyStarted(services.db, CONN, id);
    // A process that no longer exists on this host.
    await services.db.query(`UPDATE connection_status SET last_apply_process = $2 WHERE connection = $1`, [CONN, `${(await import('node:os')).hostname()} 2147483646`]);
    expect((await client.status())[0]).toMatchObject({ lastApplyOutcome: 'interrupted', lastApplyAuditId: id });
    await client.applyConnection(CONN, {});
    expect((await client.auditEvent(id)).outcome).toBe('interrupted');
  });

  it('a database dropped between listing and crawling is removed, not a failed sync', async () => {
    await withPg(pgUrl('postgres'), async (c) => {
      await c.query(`CREATE DATABASE ${DB2}`);
      await c.query(`GRANT CONNECT ON DATABASE ${DB2} TO ${SYS}`);
    });
    const { postgresPlatform, createPostgresSession } = await import('../../src/platforms/postgres/index.js');
    const real = await postgresPlatform.connect({ name: CONN, type: 'postgres', url: pgUrl(DB, SYS, 'pw'), options: { ...(await services.connections.spec(CONN)).spec.options, databases: [DB, DB2] } });
    const pg = (await import('pg')).default;
    const clients = new Map<string, InstanceType<typeof pg.Client>>();
    // A session whose first connection to DB2 finds it dropped, as a race with DROP DATABASE would.
    const session = createPostgresSession({
      defaultDatabase: DB,
      options: { ...(await services.connections.spec(CONN)).spec.options, databases: [DB, DB2] },
      connectionName: CONN,
      async clientFor(database) {
        const name = database ?? DB;
        if (name === DB2 && !clients.has(name)) await withPg(pgUrl('postgres'), (c) => c.query(`DROP DATABASE ${DB2} WITH (FORCE)`));
        let c = clients.get(name);
        if (!c) {
          c = new pg.Client({ connectionString: pgUrl(name, SYS, 'pw') });
          await c.connect();
          clients.set(name, c);
        }
        return c;
      },
      close: async () => {
        for (const c of clients.values()) await c.end();
      },
    });
    try {
      const snap = await session.introspect();
      expect(snap.objects.some((o) => o.segments[0] === DB)).toBe(true);
      expect(snap.objects.some((o) => o.segments[0] === DB2)).toBe(false);
    } finally {
      await session.close();
      await real.close();
    }
  });

  it('removing a connection refuses to leave Steward behind silently; --revoke takes its roles away and nothing else', async () => {
    await withPg(pgUrl(DB), (c) => c.query(`GRANT SELECT ON shop.orders TO ${EVE}`));
    await client.applyConfig(config({ drift: 'report' }), {});
    const refused = await client.removeConnection(CONN).catch((e: unknown) => e);
    expect((refused as StewardError).code).toBe('conflict');
    expect((refused as StewardError).message).toMatch(/Steward still holds \d+ roles/);
    const r = await client.removeConnection(CONN, { revoke: true });
    expect(r.teardown).toMatchObject({ status: 'applied' });
    expect(r.footprint!.roles).toBeGreaterThan(0);
    const left = await withPg(pgUrl(DB), (c) => c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [PREFIX]));
    expect(left.rows).toEqual([]);
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.orders')).toMatch(/permission denied/);
    // A grant Steward did not make stays: it was never Steward's to take.
    expect(await asUser(DB, EVE, 'SELECT * FROM shop.orders')).toBe('ok');
    expect((await client.audit({ action: 'teardown' }))[0]).toMatchObject({ outcome: 'ok', connection: CONN });
  });
});
