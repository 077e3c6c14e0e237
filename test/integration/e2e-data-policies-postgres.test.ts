/**
 * Data policies end to end on the real PostgreSQL, through Steward, as the least-privilege
 * system account (exactly what `connection check` advises for this configuration, secure
 * views included): a steward.yaml with a hash mask on a `pii` column tag and a region row filter is
 * stored and applied; governed users log in with their passwords and read the secure view; the
 * base table is closed to them. Database `dp_e2e_pg`, connection `dp_e2e` (Steward's roles
 * `steward_dp_e2e__*`), logins `dp_e2e_*`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalClient } from '../../src/client/local-client.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { Operation } from '../../src/domain/plan.js';
import { createServices } from '../../src/services/container.js';
import { openPglite } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';
import { pgAvailable } from '../helpers/databases.js';
import { freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';
import { ACCOUNT_PASSWORD, dropEverything, freshAccount, runAdminScript } from '../helpers/pg-least-privilege.js';
import { sha256hex } from '../helpers/secure-view-fixture.js';

const DB = 'dp_e2e_pg';
const CONN = 'dp_e2e';
const PREFIX = `steward_${CONN}__`;
const [ALICE, BOB, HANA, ETL, ACCOUNT] = ['dp_e2e_alice', 'dp_e2e_bob', 'dp_e2e_hana', 'dp_e2e_etl', 'dp_e2e_steward'];
const SALT = 'pepper-e2e';

const yaml = (bobRegions: string, extraTags = '') => `
connections:
  ${CONN}:
    type: postgres
    url: \${E2E_URL}
    databases: [${DB}]
    protect: [${CONN}/${DB}/shop/*]
    views: { hashSalt: "\${E2E_SALT}" }
groups: [analysts, hr]
users:
  alice:
    groups: [analysts]
    attributes: { region: [eu] }
    principals: { ${CONN}: ${ALICE} }
  bob:
    groups: [analysts]
    attributes: { region: ${bobRegions} }
    principals: { ${CONN}: ${BOB} }
  hana:
    groups: [hr]
    principals: { ${CONN}: ${HANA} }
tags:
  ${CONN}/${DB}/shop/customers/email: [pii]
${extraTags}
policies:
  - name: read-shop
    type: subscription
    access: read
    to: { groups: [analysts, hr] }
    on: { paths: [${CONN}/${DB}/shop/*] }
  - name: hide-pii
    type: mask
    on: { columnTags: [pii] }
    mask: hash
    except: { groups: [hr] }
  - name: own-region
    type: rowFilter
    on: { paths: [${CONN}/${DB}/shop/customers] }
    where: { column: region, in: user.attributes.region }
    except: { groups: [hr] }
`;

async function asUser(user: string, sql: string): Promise<Record<string, unknown>[] | string> {
  const c = new pg.Client({ connectionString: pgUrl(DB, user, 'pw') });
  await c.connect();
  try {
    return (await c.query(sql)).rows as Record<string, unknown>[];
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end();
  }
}

const kinds = (ops: readonly Operation[]): string[] => ops.map((o) => (o.kind === 'secureView' ? `secureView:${o.change.kind}` : o.kind));

describe.skipIf(!pgAvailable)('data policies end to end on PostgreSQL', () => {
  let client: StewardClient;
  const advice: string[] = [];
  const env = { E2E_URL: pgUrl(DB, ACCOUNT, ACCOUNT_PASSWORD), E2E_SALT: SALT };
  const config = (bobRegions = '[us]', extraTags = '') => parseConfig(yaml(bobRegions, extraTags), 'steward.yaml', env);
  const apply = async (bobRegions?: string, extraTags?: string) => {
    await client.storeConfig(config(bobRegions, extraTags));
    return client.applyConnection(CONN, {});
  };

  beforeAll(async () => {
    await dropEverything([DB], PREFIX, [ACCOUNT]);
    await freshDatabase(DB, [ALICE, BOB, HANA], [ETL]);
    await freshAccount(ACCOUNT);
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`CREATE SCHEMA shop AUTHORIZATION ${ETL}`);
      await c.query(`SET ROLE ${ETL}`);
      await c.query('CREATE TABLE shop.customers (id int primary key, email text, region text)');
      await c.query('CREATE TABLE shop.orders (id int primary key, amount int)');
      await c.query(`INSERT INTO shop.customers VALUES (1, 'ann@x.eu', 'eu'), (2, 'bob@x.us', 'us'), (3, 'cy@x.apac', 'apac')`);
      await c.query('INSERT INTO shop.orders VALUES (1, 10)');
      await c.query('RESET ROLE');
    });
    const db = await openPglite(null);
    await migrate(db);
    client = createLocalClient(createServices({ db, masterKey: randomBytes(32) }), 'test');
    // The system account gets exactly what connection check advises for this configuration
    // (data policies included), run by an administrator until nothing is missing.
    await client.storeConfig(config());
    for (let pass = 0; ; pass++) {
      const report = await client.checkConnection(CONN);
      advice.push(...report.grantSql);
      if (report.grantSql.length === 0) break;
      if (pass === 4) throw new Error(`check still proposes SQL: ${report.grantSql.join(' ')}`);
      await runAdminScript(report.grantSql);
    }
  });

  it('connection check advises what secure views need: CREATE on the database, nothing broader', async () => {
    expect(advice).toContain(`GRANT CREATE ON DATABASE "${DB}" TO "${ACCOUNT}";`);
    expect(advice.join('\n')).not.toMatch(/SUPERUSER|ALL PRIVILEGES|BYPASSRLS|CREATEDB/);
    const report = await client.checkConnection(CONN);
    expect(report.enforcement.filter((c) => !c.ok)).toEqual([]);
    expect(report.enforcement.map((c) => c.what)).toContain(`CREATE on database "${DB}"`);
    await withPg(pgUrl(DB), async (c) => {
      const r = await c.query<{ rolsuper: boolean; rolcreatedb: boolean }>('SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = $1', [ACCOUNT]);
      expect(r.rows).toEqual([{ rolsuper: false, rolcreatedb: false }]);
    });
  });

  afterAll(async () => {
    await client?.close();
    if (!pgAvailable) return;
    await dropEverything([DB], PREFIX, [ALICE, BOB, HANA, ETL, ACCOUNT]);
  });

  it('plan shows the secure view, the profile rows and the grants, and changes nothing', async () => {
    const [plan] = await client.plan(config());
    const sql = plan!.statements.map((s) => s.sql).join('\n');
    expect(sql).toContain('CREATE VIEW "shop_secure"."customers" WITH (security_barrier)');
    expect(sql).toContain('GRANT SELECT ON TABLE "shop_secure"."customers"');
    expect(sql).not.toMatch(/GRANT SELECT ON TABLE "shop"."customers" TO "steward_dp_e2e__read_shop_r"/);
    // The salt travels bound and is shown as ***.
    expect(JSON.stringify(plan)).not.toContain(SALT);
    expect(await asUser(ALICE, 'SELECT * FROM shop_secure.customers')).toMatch(/does not exist/);
  });

  it('apply: two people see two different, correct views of one table; neither reads the base table', async () => {
    const r = await apply();
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('applied');
    const hash = (v: string): string => sha256hex(`${SALT}${v}`);
    expect(await asUser(ALICE, 'SELECT id, email, region FROM shop_secure.customers ORDER BY id')).toEqual([{ id: 1, email: hash('ann@x.eu'), region: 'eu' }]);
    expect(await asUser(BOB, 'SELECT id, email, region FROM shop_secure.customers ORDER BY id')).toEqual([{ id: 2, email: hash('bob@x.us'), region: 'us' }]);
    expect(await asUser(HANA, 'SELECT id, email FROM shop_secure.customers ORDER BY id')).toEqual([
      { id: 1, email: 'ann@x.eu' },
      { id: 2, email: 'bob@x.us' },
      { id: 3, email: 'cy@x.apac' },
    ]);
    for (const u of [ALICE, BOB, HANA]) expect(await asUser(u, 'SELECT * FROM shop.customers')).toMatch(/permission denied/);
    // A table without a data policy is read directly, as before.
    expect(await asUser(ALICE, 'SELECT * FROM shop.orders')).toEqual([{ id: 1, amount: 10 }]);
    expect(JSON.stringify(r)).not.toContain(SALT);
  });

  it('a second plan is empty', async () => {
    const [plan] = await client.plan(config());
    expect(plan!.statements.map((s) => s.sql)).toEqual([]);
  });

  it('an attribute change plans profile rows only, and takes effect on apply with no view rebuilt', async () => {
    const [plan] = await client.plan(config('[us, apac]'));
    expect(kinds(plan!.operations)).toEqual(['secureView:insertProfileRows']);
    expect(plan!.statements.every((s) => !/VIEW|GRANT|REVOKE/.test(s.sql))).toBe(true);
    const r = await apply('[us, apac]');
    expect(r.status).toBe('applied');
    expect(((await asUser(BOB, 'SELECT id FROM shop_secure.customers ORDER BY id')) as { id: number }[]).map((x) => x.id)).toEqual([2, 3]);
  });

  it('a hand-edited view is drift and is rebuilt', async () => {
    await withPg(pgUrl(DB), (c) => c.query('CREATE OR REPLACE VIEW shop_secure.customers AS SELECT * FROM shop.customers'));
    expect(((await asUser(ALICE, 'SELECT id FROM shop_secure.customers')) as unknown[]).length).toBe(3);
    const [plan] = await client.plan(config('[us, apac]'));
    expect(plan!.operations.map((o) => [o.kind, o.drift === true])).toEqual([['secureView', true]]);
    const r = await apply('[us, apac]');
    expect(r.status).toBe('applied');
    expect(((await asUser(ALICE, 'SELECT id FROM shop_secure.customers')) as unknown[]).length).toBe(1);
    expect((await client.plan(config('[us, apac]')))[0]!.operations).toEqual([]);
  });

  it('a grant on the view made by hand is drift and is revoked', async () => {
    await withPg(pgUrl(DB), (c) => c.query(`GRANT SELECT ON shop_secure.customers TO ${ETL}`));
    const [plan] = await client.plan(config('[us, apac]'));
    expect(plan!.operations.map((o) => [o.kind, o.drift === true])).toEqual([['revoke', true]]);
    await apply('[us, apac]');
    expect((await client.plan(config('[us, apac]')))[0]!.operations).toEqual([]);
  });

  it('a new column appears in the view after sync and apply, masked by its tag', async () => {
    await withPg(pgUrl(DB), async (c) => {
      await c.query('ALTER TABLE shop.customers ADD COLUMN phone text');
      await c.query(`UPDATE shop.customers SET phone = '555-' || id`);
    });
    const r = await apply('[us, apac]', `  ${CONN}/${DB}/shop/customers/phone: [pii]`);
    expect(r.status).toBe('applied');
    expect(await asUser(ALICE, 'SELECT phone FROM shop_secure.customers')).toEqual([{ phone: sha256hex(`${SALT}555-1`) }]);
  });

  it('explain and who-can tell masks and filters apart, per user', async () => {
    const e = (await client.explain('alice', `${CONN}/${DB}/shop/customers`)) as { lines: string[]; view: { path: string } | null };
    expect(e.view?.path).toBe(`${CONN}/${DB}/shop_secure/customers`);
    expect(e.lines.join('\n')).toMatch(/column email: hash by hide-pii \(column tag pii\)/);
    expect(e.lines.join('\n')).toMatch(/rows: filtered by own-region/);
    const h = (await client.explain('hana', `${CONN}/${DB}/shop/customers/email`)) as { lines: string[] };
    expect(h.lines.join('\n')).toMatch(/column email: raw by hide-pii .*exempt: member of group hr/);
    const w = (await client.whoCan(`${CONN}/${DB}/shop/customers`)) as { users: { user: string; sees: string }[] };
    expect(w.users.map((u) => [u.user, u.sees])).toEqual([
      ['alice', 'masked, filtered'],
      ['bob', 'masked, filtered'],
      ['hana', 'raw'],
    ]);
  });

  it('refuses at plan time a policy naming a column the table lacks, at its line of the file', async () => {
    const bad = parseConfig(
      `${yaml('[us]')}
  - name: typo
    type: mask
    on: { columns: ["${CONN}/${DB}/shop/customers/emial"] }
    mask: null
`,
      'steward.yaml',
      env,
    );
    // A pattern PostgreSQL's engine refuses is refused at plan time, by the server's own check.
    const badRegex = parseConfig(
      `${yaml('[us]')}
  - name: bad-pattern
    type: mask
    on: { columns: ["${CONN}/${DB}/shop/customers/region"] }
    mask: { regex: { pattern: "(unclosed", replacement: "x" } }
`,
      'steward.yaml',
      env,
    );
    await expect(client.plan(badRegex)).rejects.toThrow(/^steward\.yaml:\d+: policies\[3\]\.mask\.regex\.pattern: the database refuses the pattern: .*parenthes/);
    // Located at the file's line, like the errors found while loading it.
    await expect(client.plan(bad)).rejects.toThrow(/^steward\.yaml:\d+: policies\[3\]\.on\.columns\[0\]: table .*customers has no column "emial"$/);
  });
  it('connection remove without --revoke refuses, naming the secure views and the schemas Steward made', async () => {
    const err = (await client.removeConnection(CONN).catch((e: unknown) => e)) as Error & { details?: { footprint?: { viewObjects: { what: string; path: string }[] } } };
    expect(err.message).toMatch(/and made 1 secure views and 2 schemas or databases for data policies/);
    expect(err.details?.footprint?.viewObjects.map((o) => [o.what, o.path])).toEqual([
      ['secure view', `${CONN}/${DB}/shop_secure/customers`],
      ['view schema', `${CONN}/${DB}/shop_secure`],
      ['system schema', `${CONN}/${DB}/steward_${CONN}`],
    ]);
    // Nothing changed: the connection is still there and still enforced.
    expect(((await asUser(ALICE, 'SELECT id FROM shop_secure.customers')) as unknown[]).length).toBe(1);
  });

  it('connection remove --revoke drops the secure views and the system schema; a table someone made in the view schema keeps that schema and its owner role', async () => {
    await withPg(pgUrl(DB), (c) => c.query('CREATE TABLE shop_secure.notes (n text); INSERT INTO shop_secure.notes VALUES ($$mine$$)'));
    const r = await client.removeConnection(CONN, { revoke: true }).catch(async (err: unknown) => {
      // Say which statement failed: the teardown's audit event holds the plan.
      const event = (await client.audit({})).find((e) => e.action === 'teardown');
      throw new Error(`${(err as Error).message}\n${JSON.stringify(event?.details, null, 1)}`);
    });
    expect(r.teardown?.status).toBe('applied');
    expect(r.footprint?.secureViews).toBe(1);
    expect(r.footprint?.viewObjects.map((o) => [o.path, o.removable, o.reason ?? ''])).toEqual([
      [`${CONN}/${DB}/shop_secure/customers`, true, ''],
      [`${CONN}/${DB}/shop_secure`, false, 'holds objects Steward did not make: "notes"'],
      [`${CONN}/${DB}/steward_${CONN}`, true, ''],
    ]);
    await withPg(pgUrl(DB), async (c) => {
      const rels = await c.query<{ rel: string }>(
        `SELECT n.nspname || '.' || c.relname AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('shop', 'shop_secure', 'steward_${CONN}') AND c.relkind IN ('r', 'v') ORDER BY 1`,
      );
      expect(rels.rows.map((x) => x.rel)).toEqual(['shop.customers', 'shop.orders', 'shop_secure.notes']);
      expect((await c.query('SELECT n FROM shop_secure.notes')).rows).toEqual([{ n: 'mine' }]);
      expect((await c.query('SELECT count(*)::int AS n FROM shop.customers')).rows).toEqual([{ n: 3 }]);
      const roles = await c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1', [PREFIX]);
      expect(roles.rows.map((x) => x.rolname)).toEqual([`${PREFIX}views`]);
    });
    for (const u of [ALICE, HANA]) {
      expect(await asUser(u, 'SELECT * FROM shop_secure.customers')).toMatch(/does not exist|permission denied/);
      expect(await asUser(u, 'SELECT * FROM shop.orders')).toMatch(/permission denied/);
    }
  });
});
