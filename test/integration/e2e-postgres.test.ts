/**
 * End to end on the real PostgreSQL, as a user would feel it: Steward runs as the system
 * account `connection check` advises — a login with nothing, then exactly the SQL the check
 * proposes, run by the superuser — never as `postgres`, which only builds the fixture and
 * plays the administrator. Apply a steward.yaml like the one in INTERFACE.md, then log in as
 * the governed users and see queries succeed or be denied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import { quoteIdent } from '../../src/platforms/postgres/quote.js';
import { policyRoleName } from '../../src/policy/role-names.js';
import { freshLocalClient } from '../helpers/local-client.js';
import { pgAvailable } from '../helpers/databases.js';
import { asUser, freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';
import { ACCOUNT_PASSWORD, dropEverything, freshAccount, runAdminScript } from '../helpers/pg-least-privilege.js';

const DB = 'pgt_e2e';
const CONN = 'pgt_e2e';
const PREFIX = `steward_${CONN}__`;
const ACCOUNT = 'pgt_e2e_steward';
const [ALICE, BOB, CAROL, ETL, OTHER] = ['pgt_e2e_alice', 'pgt_e2e_bob', 'pgt_e2e_carol', 'pgt_e2e_etl', 'pgt_e2e_other'];
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

describe.skipIf(!pgAvailable)('PostgreSQL end to end, as the least-privilege system account', () => {
  let client: StewardClient;
  const env = { E2E_PG_URL: pgUrl(DB, ACCOUNT, ACCOUNT_PASSWORD) };
  const config = (groups = '[analysts]') => parseConfig(yaml(groups), 'steward.yaml', env);
  const apply = async (groups?: string) => {
    await client.storeConfig(config(groups));
    return client.applyConnection(CONN, {});
  };

  beforeAll(async () => {
    await dropEverything([DB], PREFIX, []);
    await freshDatabase(DB, [ALICE, BOB, CAROL], [ETL, OTHER]);
    await freshAccount(ACCOUNT);
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`CREATE SCHEMA shop AUTHORIZATION ${ETL}`);
      await c.query(`GRANT CREATE ON SCHEMA public TO ${ETL}`);
      await c.query(`GRANT CREATE ON DATABASE ${DB} TO ${ETL}`);
      await c.query(`SET ROLE ${ETL}`);
      await c.query('CREATE TABLE shop.orders (id serial primary key, region text)');
      await c.query('CREATE TABLE shop.customers (id int primary key, email text)');
      await c.query('CREATE TABLE public.unprotected (id int)');
      await c.query(`GRANT SELECT ON public.unprotected TO ${OTHER}`);
      await c.query(`CREATE SCHEMA ${quoteIdent(HOSTILE_SCHEMA)}`);
      await c.query(`CREATE TABLE ${quoteIdent(HOSTILE_SCHEMA)}.${quoteIdent(HOSTILE_TABLE)} (${quoteIdent('cöl "x"')} int)`);
      await c.query('RESET ROLE');
      await c.query(`INSERT INTO shop.orders (region) VALUES ('eu')`);
    });
    client = await freshLocalClient();
  });

  afterAll(async () => {
    await client?.close();
    await dropEverything([DB], PREFIX, [ALICE, BOB, CAROL, ETL, OTHER, ACCOUNT]);
  });

  it('connection check advises the least privilege, and once an administrator runs it, finds nothing missing', async () => {
    await client.storeConfig(config());
    const first = await client.checkConnection(CONN);
    expect(first.user).toBe(ACCOUNT);
    expect([...first.sync, ...first.enforcement].filter((c) => !c.ok).map((c) => c.what)).toEqual([
      'CREATEROLE',
      `CONNECT WITH GRANT OPTION on database "${DB}"`,
      `USAGE WITH GRANT OPTION on the governed schemas of "${DB}"`,
      `GRANT OPTION on protected relations in "${DB}"`,
      `USAGE WITH GRANT OPTION on the sequences of protected tables in "${DB}"`,
      // Both schemas are protected as a whole: the grant option on tables created there later.
      `future tables of "${ETL}" in "${DB}"."${HOSTILE_SCHEMA}"`,
      `future tables of "${ETL}" in "${DB}"."shop"`,
    ]);
    // Never membership in an owner: ownership would let the account DROP and ALTER the tables.
    expect(first.grantSql.filter((s) => /^GRANT "[^"]+" TO /.test(s))).toEqual([]);
    expect(first.grantSql).toContain(`SET ROLE ${quoteIdent(ETL)};`);
    await runAdminScript(first.grantSql);

    const second = await client.checkConnection(CONN);
    expect([...second.sync, ...second.enforcement].filter((c) => !c.ok)).toEqual([]);
    expect(second.grantSql).toEqual([]);
    // What it cannot do without acting as the owner is said, not hidden.
    expect(second.enforcement).toContainEqual({
      what: `future tables of "${ETL}" in "${DB}"."shop"`,
      ok: true,
      detail: `granted at the next sync, not when created: Steward's account cannot act as "${ETL}" (see the notes)`,
    });
  });

  it('plan shows the exact SQL and changes nothing', async () => {
    const [plan] = await client.plan(config());
    expect(plan!.statements.length).toBeGreaterThan(0);
    expect(plan!.statements.map((s) => s.sql).join('\n')).toContain(`GRANT SELECT ON TABLE "shop"."orders" TO`);
    // Default privileges need membership in the owner, which the account does not have: not planned.
    expect(plan!.operations.filter((o) => o.kind === 'grantDefault')).toEqual([]);
    expect(plan!.blocked).toEqual([]);
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
    // A serial key: writers get USAGE on its sequence.
    expect(await asUser(DB, BOB, `INSERT INTO shop.orders (region) VALUES ('eu')`)).toBe('ok');
    expect(await asUser(DB, BOB, 'TRUNCATE shop.customers')).toBe('ok');
    expect(await asUser(DB, CAROL, 'SELECT * FROM shop.orders')).toMatch(/permission denied/);
    expect(await asUser(DB, CAROL, `SELECT ${quoteIdent('cöl "x"')} FROM ${quoteIdent(HOSTILE_SCHEMA)}.${quoteIdent(HOSTILE_TABLE)}`)).toBe('ok');
  });

  it('a second plan after apply is empty', async () => {
    const [plan] = await client.plan(config());
    expect(plan!.operations).toEqual([]);
    expect(plan!.blocked).toEqual([]);
  });

  it('users reach group policies through their group\'s role; an installation from before group roles moves into them, users first, and nobody loses access', async () => {
    const groupRole = `${PREFIX}g_analysts`;
    const reader = policyRoleName({ prefix: PREFIX, policy: 'analysts-read-sales', access: 'read', maxLength: 63 });
    const edges = async () =>
      (
        await withPg(pgUrl(DB), (c) =>
          c.query<{ edge: string }>(
            `SELECT r.rolname || ' <- ' || m.rolname AS edge FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
              WHERE r.rolname LIKE 'steward\\_${CONN}\\_\\_%' AND m.rolname <> '${ACCOUNT}' ORDER BY 1`,
          ),
        )
      ).rows.map((r) => r.edge);
    expect(await edges()).toEqual(expect.arrayContaining([`${groupRole} <- ${ALICE}`, `${reader} <- ${groupRole}`]));
    expect(await edges()).not.toContain(`${reader} <- ${ALICE}`);
    // The layout of an earlier version: the users in the policy roles, no group roles.
    const groupRoles = (await withPg(pgUrl(DB), (c) => c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'steward\\_${CONN}\\_\\_g\\_%' ORDER BY 1`))).rows.map((r) => r.rolname);
    expect(groupRoles).toEqual([`${PREFIX}g_analysts`, `${PREFIX}g_hr`, `${PREFIX}g_writers`]);
    await withPg(pgUrl(DB), async (c) => {
      for (const g of groupRoles) {
        const inner = await c.query<{ policy: string; member: string }>(
          `SELECT r.rolname AS policy, m.rolname AS member FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid, pg_auth_members b JOIN pg_roles m ON m.oid = b.member
            WHERE a.member = (SELECT oid FROM pg_roles WHERE rolname = $1) AND b.roleid = a.member AND m.rolname <> $2`,
          [g, ACCOUNT],
        );
        for (const row of inner.rows) await c.query(`GRANT ${quoteIdent(row.policy)} TO ${quoteIdent(row.member)}`);
        await c.query(`DROP ROLE ${quoteIdent(g)}`);
      }
    });
    expect(await edges()).toContain(`${reader} <- ${ALICE}`);
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.orders')).toBe('ok');
    const [plan] = await client.plan(config());
    const sql = plan!.statements.map((x) => x.sql);
    const firstRevoke = sql.findIndex((x) => x.startsWith('REVOKE'));
    // Group roles made and filled first; the users leave the policy roles last, so their access never lapses.
    expect(firstRevoke).toBeGreaterThan(sql.findLastIndex((x) => x.startsWith('GRANT') || x.startsWith('CREATE')));
    expect(sql.filter((x) => x.startsWith('REVOKE'))).toHaveLength(3);
    expect(plan!.revocationRatio).toBe(0);
    const report = await client.applyConnection(CONN, {});
    expect(report.status).toBe('applied');
    expect(await edges()).not.toContain(`${reader} <- ${ALICE}`);
    expect(await edges()).toContain(`${groupRole} <- ${ALICE}`);
    expect(await asUser(DB, ALICE, 'SELECT * FROM shop.orders')).toBe('ok');
    expect(await asUser(DB, BOB, `INSERT INTO shop.customers VALUES (2, 'c@d')`)).toBe('ok');
    const [again] = await client.plan(config());
    expect(again!.operations).toEqual([]);
  });

  it('a hand-made membership in a Steward role is drift: planned as such and reverted by apply', async () => {
    const writers = policyRoleName({ prefix: PREFIX, policy: 'writers-write-shop', access: 'write', maxLength: 63 });
    await withPg(pgUrl(DB), (c) => c.query(`GRANT ${quoteIdent(writers)} TO ${CAROL}`));
    expect(await asUser(DB, CAROL, 'SELECT * FROM shop.customers')).toBe('ok');
    const [plan] = await client.plan(config());
    expect(plan!.driftCount).toBeGreaterThan(0);
    expect(plan!.statements.map((s) => s.sql)).toContainEqual(expect.stringMatching(/^REVOKE .* FROM "pgt_e2e_carol"$/));
    await apply();
    expect(await asUser(DB, CAROL, 'SELECT * FROM shop.customers')).toMatch(/permission denied/);
  });

  it('a hand-made GRANT recorded as the owner\'s cannot be revoked by the account: reported as blocked, with why, until an administrator does', async () => {
    // A superuser's GRANT on the owner's table is recorded as made by the owner. (USAGE on the
    // schema is a container grant: not drift, never revoked.)
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`GRANT USAGE ON SCHEMA shop TO ${CAROL}`);
      await c.query(`GRANT SELECT ON shop.customers TO ${CAROL}`);
    });
    const [plan] = await client.plan(config());
    expect(plan!.operations).toEqual([]);
    expect(plan!.blocked).toHaveLength(1);
    expect(plan!.blocked[0]!.operation).toMatchObject({ kind: 'revoke', grantor: ETL, grantees: [{ kind: 'role', name: CAROL }] });
    expect(plan!.blocked[0]!.reason).toContain(`Steward's account is not a member of "${ETL}"`);
    const r = await apply();
    expect(r.plan.blocked).toEqual(plan!.blocked);
    // Never reported as done: the access stays, and says so.
    expect(await asUser(DB, CAROL, 'SELECT * FROM shop.customers')).toBe('ok');
    const check = await client.checkConnection(CONN);
    expect(check.enforcement.find((c) => c.what.startsWith('revoke earlier grants'))?.ok).toBe(false);
    await runAdminScript(check.grantSql);
    expect(await asUser(DB, CAROL, 'SELECT * FROM shop.customers')).toMatch(/permission denied/);
    const [after] = await client.plan(config());
    expect(after!.operations).toEqual([]);
    expect(after!.blocked).toEqual([]);
  });

  it('a new table in a protected schema is covered at the next sync and apply (no default privileges without membership)', async () => {
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`SET ROLE ${ETL}`);
      await c.query('CREATE TABLE shop.refunds (id int)');
    });
    // As `connection check` said: not when created…
    expect(await asUser(DB, BOB, 'INSERT INTO shop.refunds VALUES (1)')).toMatch(/permission denied/);
    // …but at the next sync, with no administrator: the owner's default privileges (from the
    // check's SQL) gave the account the grant option on the new table.
    const check = await client.checkConnection(CONN);
    expect([...check.sync, ...check.enforcement].filter((c) => !c.ok)).toEqual([]);
    const r = await apply();
    expect(r.sync?.added).toBeGreaterThan(0);
    expect(r.results.every((x) => x.ok)).toBe(true);
    expect(await asUser(DB, BOB, 'INSERT INTO shop.refunds VALUES (1)')).toBe('ok');
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
    expect(plan!.statements[0]!.sql).toMatch(/^REVOKE .* FROM "pgt_e2e_alice"$/);
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
