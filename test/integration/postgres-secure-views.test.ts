/**
 * Secure views on the real PostgreSQL, phase 1: the engine's views and profile rows, compiled
 * by the PostgreSQL dialect and run as an admin, then read by governed users logged in with
 * their own passwords. Database `dp_svpg`, roles `dp_svpg_*` (Steward's) and `dp_pgu_*` (users).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyInput } from '../../src/policy/input.js';
import { postgresCapabilities } from '../../src/platforms/postgres/capabilities.js';
import { quoteIdent } from '../../src/platforms/postgres/quote.js';
import { postgresSecureViews } from '../../src/platforms/postgres/secure-views.js';
import { checkRegexes, readSecureViewActual } from '../../src/platforms/postgres/secure-view-state.js';
import type { ParamStatement } from '../../src/platforms/secure-view-dialect.js';
import { pgAvailable } from '../helpers/databases.js';
import { dropRoles, pgUrl, withPg } from '../helpers/pg-admin.js';
import { CUSTOMERS, fixtureInput, HOSTILE, HOSTILE_VALUE, ORDERS, sha256hex, TABLES, users as fixtureUsers, type FixtureTable } from '../helpers/secure-view-fixture.js';
import { planAndRun } from '../helpers/secure-view-runner.js';

const DB = 'dp_svpg';
const CONN = 'dp_svpg';
const OWNER = 'dp_svpg_views';
const READERS = 'dp_pgu_readers';
const SALT = "s'alt\\$$";
const principal = (name: string): string => `dp_pgu_${name}`;
const LOGINS = ['alice', 'bob', 'hana', 'carl', 'eve'].map(principal);
const q = quoteIdent;
const SECURE = 'public_secure';

function pgType(t: FixtureTable, i: number): string {
  return t.columns[i]!.pg;
}

async function createTable(c: pg.Client, t: FixtureTable): Promise<void> {
  await c.query(`CREATE TABLE public.${q(t.name)} (${t.columns.map((col, i) => `${q(col.name)} ${pgType(t, i)}`).join(', ')})`);
  for (const row of t.rows) {
    await c.query(`INSERT INTO public.${q(t.name)} VALUES (${row.map((_v, i) => `$${i + 1}`).join(', ')})`, [...row]);
  }
  await c.query(`GRANT SELECT ON public.${q(t.name)} TO ${q(OWNER)}`);
}

function input(overrides: Partial<Parameters<typeof fixtureInput>[0]> = {}): PolicyInput {
  return fixtureInput({
    connection: CONN,
    capabilities: postgresCapabilities,
    platform: 'pg',
    tableSegments: (t) => [DB, 'public', t],
    containers: [
      { segments: [DB], kind: 'database', owner: 'postgres', tags: [], columns: [] },
      { segments: [DB, 'public'], kind: 'schema', owner: 'postgres', tags: [], columns: [] },
    ],
    principal,
    salt: SALT,
    ...overrides,
  });
}

async function runAsAdmin(statements: readonly ParamStatement[]): Promise<void> {
  await withPg(pgUrl(DB), async (c) => {
    await c.query('BEGIN');
    for (const s of statements) {
      expect(s.database).toBe(DB);
      await c.query(s.sql, s.params === null ? undefined : [...s.params]);
    }
    await c.query('COMMIT');
  });
}

async function plan(i: PolicyInput, dryRun = false) {
  return planAndRun({
    input: i,
    dialect: postgresSecureViews,
    readActual: (desired) =>
      withPg(pgUrl(DB), (c) =>
        readSecureViewActual(async () => c, {
          systems: [[DB, `steward_${CONN}`]],
          containers: desired.containers,
        }),
      ),
    readers: [READERS],
    run: runAsAdmin,
    dryRun,
  });
}

/** Run `sql` as a governed user over TCP with their password; rows, or the error message. */
async function asUser(name: string, sql: string, notices?: string[]): Promise<Record<string, unknown>[] | string> {
  const c = new pg.Client({ connectionString: pgUrl(DB, principal(name), 'pw') });
  await c.connect();
  if (notices) c.on('notice', (n) => notices.push(n.message ?? ''));
  try {
    const r = (await c.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
    // Several statements give one result each: the last one's rows.
    return (Array.isArray(r) ? r[r.length - 1]!.rows : r.rows) as Record<string, unknown>[];
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end();
  }
}

const CUSTOMER_SQL = `SELECT id, name, email, phone, region, amount::text AS amount, born::text AS born, seen::text AS seen, status, score
FROM ${SECURE}.customers ORDER BY id`;

async function setup(): Promise<void> {
  await withPg(pgUrl('postgres'), async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${q(DB)} WITH (FORCE)`);
    await dropRoles(c, [...LOGINS, READERS, OWNER]);
    await c.query(`CREATE DATABASE ${q(DB)}`);
    for (const r of LOGINS) await c.query(`CREATE ROLE ${q(r)} LOGIN PASSWORD 'pw'`);
    await c.query(`CREATE ROLE ${q(READERS)} NOLOGIN`);
    await c.query(`CREATE ROLE ${q(OWNER)} NOLOGIN`);
    await c.query(`GRANT ${q(READERS)} TO ${LOGINS.map(q).join(', ')}`);
  });
  await withPg(pgUrl(DB), async (c) => {
    await c.query(`REVOKE ALL ON SCHEMA public FROM PUBLIC`);
    await c.query(`GRANT USAGE ON SCHEMA public TO ${q(OWNER)}, ${q(READERS)}`);
    for (const t of TABLES) await createTable(c, t);
    // Alice's own schema, for functions of her own.
    await c.query(`CREATE SCHEMA dp_alice AUTHORIZATION ${q(principal('alice'))}`);
  });
}

describe.skipIf(!pgAvailable)('secure views on PostgreSQL (as governed users)', () => {
  beforeAll(async () => {
    await setup();
    const run = await plan(input());
    expect(run.ops.map((o) => o.kind)).toEqual([
      'setupSystem',
      'createViewContainer',
      'putSalts',
      'insertProfileRows',
      'buildView',
      'buildView',
      'buildView',
    ]);
    // Readers reach the view schema (in Steward this is a grant of the access plan).
    await withPg(pgUrl(DB), (c) => c.query(`GRANT USAGE ON SCHEMA ${SECURE} TO ${q(READERS)}`));
  });

  afterAll(async () => {
    if (!pgAvailable) return;
    await withPg(pgUrl('postgres'), async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${q(DB)} WITH (FORCE)`);
      await dropRoles(c, [...LOGINS, READERS, OWNER]);
    });
  });

  it('masks every kind of column and filters rows by the user\'s attribute values', async () => {
    const hash = (v: string): string => sha256hex(`${SALT}${v}`);
    expect(await asUser('alice', CUSTOMER_SQL)).toEqual([
      { id: 1, name: 'A. L.', email: hash('ann@x.eu'), phone: '********4567', region: 'eu', amount: '1200', born: '1990-01-01', seen: '2024-05-01 00:00:00', status: null, score: 0 },
      { id: 4, name: 'D. E.', email: hash('di@x.eu'), phone: null, region: 'eu', amount: '0', born: '1970-01-01', seen: '2021-06-01 00:00:00', status: null, score: 0 },
    ]);
    // Multi-valued attribute: us and apac.
    const bob = await asUser('bob', CUSTOMER_SQL);
    expect((bob as Record<string, unknown>[]).map((r) => [r.id, r.phone, r.amount])).toEqual([
      [2, '********6543', '100'],
      [3, '****', '5000'],
    ]);
    // No attribute: no rows; a hostile attribute value matches nothing here.
    expect(await asUser('carl', CUSTOMER_SQL)).toEqual([]);
    expect(await asUser('eve', CUSTOMER_SQL)).toEqual([]);
  });

  it('shows raw values and every row to an exempt group, and only what the exemption covers', async () => {
    const rows = (await asUser('hana', CUSTOMER_SQL)) as Record<string, unknown>[];
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0]).toMatchObject({ email: 'ann@x.eu', phone: '555-123-4567', name: 'A. L.', amount: '1200', score: 0 });
  });

  it('combines row filters with and / or / not, user groups, and masks rows by a `when` predicate', async () => {
    const sql = `SELECT id, channel FROM ${SECURE}.orders ORDER BY id`;
    expect(await asUser('alice', sql)).toEqual([
      { id: 1, channel: 'web' },
      { id: 2, channel: 'hidden' },
      { id: 5, channel: 'shop' },
    ]);
    expect(await asUser('bob', sql)).toEqual([
      { id: 2, channel: 'shop' },
      { id: 3, channel: 'web' },
    ]);
    expect(await asUser('hana', sql)).toEqual([]);
    // Without the attribute, the reference is unknown: only the literal branch shows a row, and
    // the `when` mask applies.
    expect(await asUser('carl', sql)).toEqual([{ id: 2, channel: 'hidden' }]);
    expect(await asUser('eve', sql)).toEqual([{ id: 2, channel: 'hidden' }]);
  });

  it('keeps hostile names and values inside their literals', async () => {
    const sql = `SELECT * FROM ${SECURE}.${q(HOSTILE.name)} ORDER BY ${q('i"d')}`;
    const expected1 = { 'i"d': 1, "it's": HOSTILE_VALUE, 'back\\slash': "a$$'\\*/c", 'Ünï $$ */': HOSTILE_VALUE };
    expect(await asUser('eve', sql)).toEqual([expected1]);
    expect(await asUser('alice', sql)).toEqual([]);
    expect(await asUser('hana', sql)).toEqual([expected1, { 'i"d': 2, "it's": HOSTILE_VALUE, 'back\\slash': "a$$'\\*/$$'\\*/", 'Ünï $$ */': 'other' }]);
  });

  it('finds nothing by the raw value of a masked column, and keeps the base table closed', async () => {
    expect(await asUser('alice', `SELECT id FROM ${SECURE}.customers WHERE email = 'ann@x.eu'`)).toEqual([]);
    expect(await asUser('alice', `SELECT id FROM ${SECURE}.customers WHERE email = '${sha256hex(`${SALT}ann@x.eu`)}'`)).toEqual([{ id: 1 }]);
    expect(await asUser('alice', 'SELECT * FROM public.customers')).toMatch(/permission denied/);
    // The profile and salts are not the users' to read.
    expect(await asUser('alice', `SELECT * FROM steward_${CONN}.salt`)).toMatch(/permission denied/);
    expect(await asUser('alice', `SELECT * FROM steward_${CONN}.user_profile`)).toMatch(/permission denied/);
  });

  it('leaks no filtered row through a user function\'s notices, errors or side effects', async () => {
    const setupSql = `
CREATE TABLE dp_alice.spy (v text);
CREATE FUNCTION dp_alice.peek(v text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS $f$
BEGIN RAISE NOTICE 'peek:%', v; INSERT INTO dp_alice.spy VALUES (v); RETURN true; END $f$;
CREATE FUNCTION dp_alice.boom(v text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS $f$
BEGIN IF v IS DISTINCT FROM 'eu' THEN RAISE EXCEPTION 'saw %', v; END IF; RETURN true; END $f$;`;
    expect(await asUser('alice', setupSql)).toEqual([]);
    const notices: string[] = [];
    const rows = await asUser('alice', `SELECT id FROM ${SECURE}.customers WHERE dp_alice.peek(region) AND dp_alice.peek(email) AND dp_alice.peek(phone) ORDER BY id`, notices);
    expect(rows).toEqual([{ id: 1 }, { id: 4 }]);
    const seen = notices.map((n) => n.replace(/^peek:/, ''));
    const forbidden = CUSTOMERS.rows.flatMap((r) => [r[2], r[3], r[4] === 'eu' ? null : r[4]]).filter((v): v is string => typeof v === 'string');
    expect(seen.length).toBeGreaterThan(0);
    for (const v of seen) expect(forbidden).not.toContain(v);
    const spy = (await asUser('alice', 'SELECT v FROM dp_alice.spy')) as { v: string }[];
    for (const { v } of spy) expect(forbidden).not.toContain(v);
    // An error raised on any row but hers would surface: the query succeeds.
    expect(await asUser('alice', `SELECT count(*)::int AS n FROM ${SECURE}.customers WHERE dp_alice.boom(region)`)).toEqual([{ n: 2 }]);
  });

  it('plans nothing the second time', async () => {
    const run = await plan(input(), true);
    expect(run.ops).toEqual([]);
  });

  it('plans only profile rows when a user\'s attributes change, and the user sees the change', async () => {
    const users = fixtureUsers(principal, CONN).map((u) => (u.name === 'carl' ? { ...u, attributes: { region: ['latam'] } } : u));
    const run = await plan(input({ users }));
    expect(run.ops.map((o) => o.kind)).toEqual(['insertProfileRows']);
    expect(run.statements.every((s) => !/VIEW/.test(s.sql))).toBe(true);
    expect(((await asUser('carl', CUSTOMER_SQL)) as { id: number }[]).map((r) => r.id)).toEqual([5]);
    expect((await plan(input({ users }), true)).ops).toEqual([]);
    expect((await plan(input())).ops.map((o) => o.kind)).toEqual(['deleteProfileRows']);
  });

  it('rebuilds only the view a policy change touches', async () => {
    const base = input();
    const policies = base.policies.map((p) => (p.name === 'bucket' ? { ...p, mask: { round: { step: 1000 } } } : p));
    const run = await plan({ ...base, policies });
    expect(run.ops.map((o) => (o.kind === 'buildView' ? `${o.kind}:${o.spec.view[2]}:${o.reason}` : o.kind))).toEqual(['buildView:customers:changed']);
    expect(((await asUser('alice', CUSTOMER_SQL)) as { amount: string }[]).map((r) => r.amount)).toEqual(['1000', '0']);
    await plan(base);
  });

  it('treats a hand-edited view as drift and rebuilds it', async () => {
    await withPg(pgUrl(DB), (c) => c.query(`ALTER VIEW ${SECURE}.customers SET (security_barrier = false)`));
    const run = await plan(input());
    expect(run.ops.map((o) => (o.kind === 'buildView' ? `${o.spec.view[2]}:${o.reason}` : o.kind))).toEqual(['customers:drift']);
    await withPg(pgUrl(DB), (c) => c.query(`CREATE OR REPLACE VIEW ${SECURE}.orders AS SELECT * FROM public.orders`));
    const run2 = await plan(input());
    expect(run2.ops.map((o) => (o.kind === 'buildView' ? `${o.spec.view[2]}:${o.reason}` : o.kind))).toEqual(['orders:drift']);
    expect(((await asUser('alice', `SELECT id FROM ${SECURE}.orders ORDER BY id`)) as { id: number }[]).map((r) => r.id)).toEqual([1, 2, 5]);
    expect((await plan(input(), true)).ops).toEqual([]);
  });

  it('shows a new column (masked by its tag) after the catalog has it, and survives a dropped column', async () => {
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`ALTER TABLE public.customers ADD COLUMN ssn text`);
      await c.query(`UPDATE public.customers SET ssn = 'ssn-' || id`);
    });
    const grown = { ...CUSTOMERS, columns: [...CUSTOMERS.columns, { name: 'ssn', pg: 'text', my: 'varchar(20)', tags: ['pii'] }] };
    const withSsn = (i: PolicyInput): PolicyInput => ({
      ...i,
      catalog: i.catalog.map((e) => (e.segments[2] === 'customers' ? { ...e, columns: grown.columns.map((c) => ({ name: c.name, type: c.pg, tags: c.tags ?? [] })) } : e)),
    });
    const run = await plan(withSsn(input()));
    expect(run.ops.map((o) => (o.kind === 'buildView' ? `${o.spec.view[2]}:${o.reason}` : o.kind))).toEqual(['customers:changed']);
    expect(await asUser('alice', `SELECT ssn FROM ${SECURE}.customers ORDER BY id`)).toEqual([{ ssn: sha256hex(`${SALT}ssn-1`) }, { ssn: sha256hex(`${SALT}ssn-4`) }]);

    // PostgreSQL will not drop a column a view reads unless told to drop the view too.
    await withPg(pgUrl(DB), async (c) => {
      await expect(c.query('ALTER TABLE public.customers DROP COLUMN ssn')).rejects.toThrow(/depend/);
      await c.query('ALTER TABLE public.customers DROP COLUMN ssn CASCADE');
    });
    const after = await plan(input());
    expect(after.ops.map((o) => (o.kind === 'buildView' ? `${o.spec.view[2]}:${o.reason}` : o.kind))).toEqual(['customers:changed']);
    expect(((await asUser('alice', CUSTOMER_SQL)) as { id: number }[]).map((r) => r.id)).toEqual([1, 4]);
  });

  it('drops views no policy asks for any more, and clears the rows of a system no view uses', async () => {
    const base = input();
    const noFilters = base.policies.filter((p) => p.type !== 'rowFilter' && !p.name.startsWith('hostile') && p.name !== 'foreign-channel');
    const run = await plan({ ...base, policies: noFilters });
    expect(run.ops.filter((o) => o.kind === 'dropView').map((o) => (o.kind === 'dropView' ? o.view[2] : ''))).toEqual(['orders', HOSTILE.name]);
    expect(await asUser('alice', `SELECT id FROM ${SECURE}.orders`)).toMatch(/does not exist/);
    // The customers view now shows every row (no filter), still masked.
    expect(((await asUser('carl', CUSTOMER_SQL)) as { id: number }[]).map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
    const none = await plan({ ...base, policies: [] });
    expect(none.ops.map((o) => o.kind)).toEqual(['deleteProfileRows', 'dropView', 'deleteSalts']);
    await plan(base);
    expect(((await asUser('alice', `SELECT id FROM ${SECURE}.orders ORDER BY id`)) as { id: number }[]).map((r) => r.id)).toEqual([1, 2, 5]);
  });

  it('checks regular expressions with the server\'s engine', async () => {
    await withPg(pgUrl(DB), async (c) => {
      const bad = await checkRegexes(c, ['([A-Z])[a-z]+', '(unclosed', 'a{2,1}', '[[:alpha:]]+']);
      expect(bad.map((b) => b.pattern)).toEqual(['(unclosed', 'a{2,1}']);
      expect(bad[0]!.error).toMatch(/regular expression/);
    });
  });

  it('reads ORDERS with the expected row count through the base table as admin (fixture sanity)', async () => {
    await withPg(pgUrl(DB), async (c) => {
      expect((await c.query('SELECT count(*)::int AS n FROM public.orders')).rows).toEqual([{ n: ORDERS.rows.length }]);
    });
  });
});
