/**
 * Secure views on the real MariaDB, phase 1: the engine's views and profile rows, compiled by
 * the MariaDB dialect and run as root, then read by governed users logged in with their own
 * passwords. Databases `dp_svmy*`, roles `dp_svmy_*` (Steward's) and accounts `dp_myu_*`.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyInput } from '../../src/policy/input.js';
import { mariadbPlatform } from '../../src/platforms/mysql/index.js';
import { quoteIdent } from '../../src/platforms/mysql/quote.js';
import { checkRegexes, readSecureViewActual } from '../../src/platforms/mysql/secure-view-state.js';
import { mysqlSecureViews } from '../../src/platforms/mysql/secure-views.js';
import type { Row } from '../../src/platforms/mysql/query.js';
import type { ParamStatement } from '../../src/platforms/secure-view-dialect.js';
import { mariadbAvailable, MARIADB_URL } from '../helpers/databases.js';
import { CUSTOMERS, fixtureInput, HOSTILE, HOSTILE_VALUE, sha256hex, TABLES, users as fixtureUsers, type FixtureTable } from '../helpers/secure-view-fixture.js';
import { planAndRun } from '../helpers/secure-view-runner.js';

const DB = 'dp_svmy';
const CONN = 'dp_svmy';
const SECURE = 'dp_svmy_secure';
const SYSTEM = 'dp_svmy_steward';
const OWNER = 'dp_svmy_views';
const READERS = 'dp_myu_readers';
const ALICE_DB = 'dp_myu_alicedb';
const SALT = "s'alt\\$$";
const principal = (name: string): string => `dp_myu_${name}`;
const NAMES = ['alice', 'bob', 'hana', 'carl', 'eve'];
const q = quoteIdent;
const dialect = mysqlSecureViews('mariadb');

function rootConfig(): mysql.ConnectionOptions {
  const u = new URL(MARIADB_URL);
  return { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), charset: 'utf8mb4', dateStrings: true };
}

async function withRoot<T>(fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection(rootConfig());
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const query = (c: mysql.Connection) => async (qq: { sql: string; values: readonly unknown[] }): Promise<Row[]> => {
  const [rows] = qq.values.length > 0 ? await c.execute(qq.sql, [...qq.values] as (string | number | null)[]) : await c.query(qq.sql);
  return Array.isArray(rows) ? (rows as Row[]) : [];
};

async function runAsRoot(statements: readonly ParamStatement[]): Promise<void> {
  await withRoot(async (c) => {
    for (const s of statements) await query(c)({ sql: s.sql, values: s.params ?? [] });
  });
}

function input(overrides: Partial<Parameters<typeof fixtureInput>[0]> = {}): PolicyInput {
  return fixtureInput({
    connection: CONN,
    capabilities: mariadbPlatform.capabilities,
    platform: 'my',
    tableSegments: (t) => [DB, t],
    containers: [{ segments: [DB], kind: 'database', owner: null, tags: [], columns: [] }],
    principal,
    salt: SALT,
    options: { views: { system: SYSTEM } },
    ...overrides,
  });
}

async function plan(i: PolicyInput, dryRun = false) {
  return planAndRun({
    input: i,
    dialect,
    readActual: (desired) => withRoot((c) => readSecureViewActual(query(c), 'mariadb', { systems: [[SYSTEM]], containers: desired.containers })),
    readers: [READERS],
    run: runAsRoot,
    dryRun,
  });
}

async function asUser(name: string, sql: string): Promise<Row[] | string> {
  const c = await mysql.createConnection({ ...rootConfig(), user: principal(name), password: 'pw', multipleStatements: true });
  try {
    const [rows] = await c.query(sql);
    return Array.isArray(rows) ? (rows as Row[]) : [];
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end();
  }
}

async function createTable(c: mysql.Connection, t: FixtureTable): Promise<void> {
  await c.query(`CREATE TABLE ${q(DB)}.${q(t.name)} (${t.columns.map((col) => `${q(col.name)} ${col.my}`).join(', ')}) DEFAULT CHARSET = utf8mb4`);
  for (const row of t.rows) await c.execute(`INSERT INTO ${q(DB)}.${q(t.name)} VALUES (${row.map(() => '?').join(', ')})`, [...row]);
  await c.query(`GRANT SELECT ON ${q(DB)}.${q(t.name)} TO '${OWNER}'`);
}

async function cleanup(c: mysql.Connection): Promise<void> {
  for (const db of [DB, SECURE, SYSTEM, ALICE_DB]) await c.query(`DROP DATABASE IF EXISTS ${q(db)}`);
  for (const n of NAMES) await c.query(`DROP USER IF EXISTS '${principal(n)}'@'%'`);
  await c.query(`DROP ROLE IF EXISTS '${READERS}'`);
  await c.query(`DROP ROLE IF EXISTS '${OWNER}'`);
}

const CUSTOMER_SQL = `SELECT id, name, email, phone, region, amount, born, seen, status, score FROM ${SECURE}.customers ORDER BY id`;
const ids = (rows: Row[] | string): unknown[] => (typeof rows === 'string' ? [rows] : rows.map((r) => r.id));

describe.skipIf(!mariadbAvailable)('secure views on MariaDB (as governed users)', () => {
  beforeAll(async () => {
    await withRoot(async (c) => {
      await cleanup(c);
      await c.query(`CREATE DATABASE ${q(DB)}`);
      await c.query(`CREATE DATABASE ${q(ALICE_DB)}`);
      await c.query(`CREATE ROLE '${OWNER}'`);
      await c.query(`CREATE ROLE '${READERS}'`);
      for (const n of NAMES) {
        await c.query(`CREATE USER '${principal(n)}'@'%' IDENTIFIED BY 'pw'`);
        await c.query(`GRANT '${READERS}' TO '${principal(n)}'@'%'`);
        await c.query(`SET DEFAULT ROLE '${READERS}' FOR '${principal(n)}'@'%'`);
      }
      await c.query(`GRANT ALL ON ${q(ALICE_DB)}.* TO '${principal('alice')}'@'%'`);
      for (const t of TABLES) await createTable(c, t);
    });
    const run = await plan(input());
    expect(run.ops.map((o) => o.kind)).toEqual(['setupSystem', 'createViewContainer', 'putSalts', 'insertProfileRows', 'buildView', 'buildView', 'buildView']);
  });

  afterAll(async () => {
    if (mariadbAvailable) await withRoot(cleanup);
  });

  it('masks every kind of column and filters rows by the user\'s attribute values', async () => {
    const hash = (v: string): string => sha256hex(`${SALT}${v}`);
    expect(await asUser('alice', CUSTOMER_SQL)).toEqual([
      { id: 1, name: 'A. L.', email: hash('ann@x.eu'), phone: '********4567', region: 'eu', amount: '1200', born: '1990-01-01', seen: '2024-05-01 00:00:00', status: null, score: 0 },
      { id: 4, name: 'D. E.', email: hash('di@x.eu'), phone: null, region: 'eu', amount: '0', born: '1970-01-01', seen: '2021-06-01 00:00:00', status: null, score: 0 },
    ]);
    const bob = (await asUser('bob', CUSTOMER_SQL)) as Row[];
    expect(bob.map((r) => [r.id, r.phone, r.amount])).toEqual([
      [2, '********6543', '100'],
      [3, '****', '5000'],
    ]);
    expect(await asUser('carl', CUSTOMER_SQL)).toEqual([]);
    expect(await asUser('eve', CUSTOMER_SQL)).toEqual([]);
  });

  it('shows raw values and every row to an exempt group', async () => {
    const rows = (await asUser('hana', CUSTOMER_SQL)) as Row[];
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
    expect(await asUser('carl', sql)).toEqual([{ id: 2, channel: 'hidden' }]);
    expect(await asUser('eve', sql)).toEqual([{ id: 2, channel: 'hidden' }]);
  });

  it('compares text exactly, not by the server\'s case-insensitive collation', async () => {
    const users = fixtureUsers(principal, CONN).map((u) => (u.name === 'carl' ? { ...u, attributes: { region: ['EU'] } } : u));
    await plan(input({ users }));
    expect(await asUser('carl', CUSTOMER_SQL)).toEqual([]);
    await plan(input());
  });

  it('keeps hostile names and values inside their literals', async () => {
    const sql = `SELECT * FROM ${SECURE}.${q(HOSTILE.name)} ORDER BY ${q('i"d')}`;
    const expected1 = { 'i"d': 1, "it's": HOSTILE_VALUE, 'back\\slash': "a$$'\\*/c", 'Ünï $$ */': HOSTILE_VALUE };
    expect(await asUser('eve', sql)).toEqual([expected1]);
    expect(await asUser('alice', sql)).toEqual([]);
    expect(await asUser('hana', sql)).toEqual([expected1, { 'i"d': 2, "it's": HOSTILE_VALUE, 'back\\slash': "a$$'\\*/$$'\\*/", 'Ünï $$ */': 'other' }]);
  });

  it('finds nothing by the raw value of a masked column, and keeps the base table and profile closed', async () => {
    expect(await asUser('alice', `SELECT id FROM ${SECURE}.customers WHERE email = 'ann@x.eu'`)).toEqual([]);
    expect(await asUser('alice', `SELECT id FROM ${SECURE}.customers WHERE email = '${sha256hex(`${SALT}ann@x.eu`)}'`)).toEqual([{ id: 1 }]);
    expect(await asUser('alice', `SELECT * FROM ${DB}.customers`)).toMatch(/denied/);
    expect(await asUser('alice', `SELECT * FROM ${SYSTEM}.salt`)).toMatch(/denied/);
    expect(await asUser('alice', `SELECT * FROM ${SYSTEM}.user_profile`)).toMatch(/denied/);
  });

  it('leaks no filtered row through a stored function\'s side effects or errors (TEMPTABLE), where MERGE would', async () => {
    const setupSql = `
CREATE TABLE ${ALICE_DB}.spy (v varchar(200));
CREATE FUNCTION ${ALICE_DB}.peek(x varchar(200)) RETURNS int DETERMINISTIC NO SQL BEGIN INSERT INTO ${ALICE_DB}.spy VALUES (x); RETURN 1; END;
CREATE FUNCTION ${ALICE_DB}.boom(x varchar(200)) RETURNS int DETERMINISTIC NO SQL BEGIN IF x <> 'eu' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'saw a row'; END IF; RETURN 1; END;`;
    expect(typeof (await asUser('alice', setupSql))).not.toBe('string');
    const forbidden = CUSTOMERS.rows.flatMap((r) => [r[2], r[3], r[4] === 'eu' ? null : r[4]]).filter((v): v is string => typeof v === 'string');
    const spied = async (): Promise<string[]> => ((await asUser('alice', `SELECT v FROM ${ALICE_DB}.spy`)) as Row[]).map((r) => String(r.v));

    expect(ids(await asUser('alice', `SELECT id FROM ${SECURE}.customers WHERE ${ALICE_DB}.peek(region) = 1 AND ${ALICE_DB}.peek(email) = 1 AND ${ALICE_DB}.peek(phone) = 1 ORDER BY id`))).toEqual([1, 4]);
    const seen = await spied();
    expect(seen.length).toBeGreaterThan(0);
    for (const v of seen) expect(forbidden).not.toContain(v);
    expect(await asUser('alice', `SELECT COUNT(*) AS n FROM ${SECURE}.customers WHERE ${ALICE_DB}.boom(region) = 1`)).toEqual([{ n: 2 }]);

    // The same view with ALGORITHM = MERGE leaks: the reason the dialect builds TEMPTABLE views.
    const spec = (await plan(input(), true)).desired.views.find((v) => v.view[1] === 'customers')!;
    const merge = dialect.viewDefinition({ ...spec, view: [SECURE, 'customers_merge'] }, OWNER).replace('ALGORITHM = TEMPTABLE', 'ALGORITHM = MERGE');
    await withRoot(async (c) => {
      await c.query(merge);
      await c.query(`GRANT SELECT ON ${SECURE}.customers_merge TO '${READERS}'`);
      await c.query(`DELETE FROM ${ALICE_DB}.spy`);
    });
    await asUser('alice', `SELECT id FROM ${SECURE}.customers_merge WHERE ${ALICE_DB}.peek(region) = 1`);
    expect(await spied()).toEqual(expect.arrayContaining(['us', 'apac']));
    expect(await asUser('alice', `SELECT COUNT(*) AS n FROM ${SECURE}.customers_merge WHERE ${ALICE_DB}.boom(region) = 1`)).toMatch(/saw a row/);
    await withRoot((c) => c.query(`DROP VIEW ${SECURE}.customers_merge`));
  });

  it('plans nothing the second time', async () => {
    expect((await plan(input(), true)).ops).toEqual([]);
  });

  it('plans only profile rows when a user\'s attributes change', async () => {
    const users = fixtureUsers(principal, CONN).map((u) => (u.name === 'carl' ? { ...u, attributes: { region: ['latam'] } } : u));
    const run = await plan(input({ users }));
    expect(run.ops.map((o) => o.kind)).toEqual(['insertProfileRows']);
    expect(run.statements.every((s) => !/VIEW/.test(s.sql))).toBe(true);
    expect(ids(await asUser('carl', CUSTOMER_SQL))).toEqual([5]);
    expect((await plan(input())).ops.map((o) => o.kind)).toEqual(['deleteProfileRows']);
  });

  it('rebuilds only the view a policy change touches', async () => {
    const base = input();
    const policies = base.policies.map((p) => (p.name === 'bucket' ? { ...p, mask: { round: { step: 1000 } } } : p));
    const run = await plan({ ...base, policies });
    expect(run.ops.map((o) => (o.kind === 'buildView' ? `${o.spec.view[1]}:${o.reason}` : o.kind))).toEqual(['customers:changed']);
    expect(((await asUser('alice', CUSTOMER_SQL)) as Row[]).map((r) => r.amount)).toEqual(['1000', '0']);
    await plan(base);
  });

  it('treats a hand-edited view as drift and rebuilds it', async () => {
    await withRoot((c) => c.query(`ALTER ALGORITHM = MERGE VIEW ${SECURE}.orders AS SELECT * FROM ${DB}.orders`));
    const run = await plan(input());
    expect(run.ops.map((o) => (o.kind === 'buildView' ? `${o.spec.view[1]}:${o.reason}` : o.kind))).toEqual(['orders:drift']);
    expect(ids(await asUser('alice', `SELECT id FROM ${SECURE}.orders ORDER BY id`))).toEqual([1, 2, 5]);
    await withRoot((c) => c.query(`DROP VIEW ${SECURE}.customers`));
    expect((await plan(input())).ops.map((o) => (o.kind === 'buildView' ? `${o.spec.view[1]}:${o.reason}` : o.kind))).toEqual(['customers:drift']);
    expect(ids(await asUser('alice', CUSTOMER_SQL))).toEqual([1, 4]);
    expect((await plan(input(), true)).ops).toEqual([]);
  });

  it('shows a new column (masked by its tag) after the catalog has it; a dropped column breaks nothing after the rebuild', async () => {
    await withRoot(async (c) => {
      await c.query(`ALTER TABLE ${DB}.customers ADD COLUMN ssn varchar(20)`);
      await c.query(`UPDATE ${DB}.customers SET ssn = CONCAT('ssn-', id)`);
    });
    const grown = [...CUSTOMERS.columns, { name: 'ssn', pg: 'text', my: 'varchar(20)', tags: ['pii'] }];
    const withColumns = (i: PolicyInput, cols: typeof grown): PolicyInput => ({
      ...i,
      catalog: i.catalog.map((e) => (e.segments[1] === 'customers' ? { ...e, columns: cols.map((c) => ({ name: c.name, type: c.my, tags: c.tags ?? [] })) } : e)),
    });
    expect((await plan(withColumns(input(), grown))).ops.map((o) => (o.kind === 'buildView' ? `${o.spec.view[1]}:${o.reason}` : o.kind))).toEqual(['customers:changed']);
    expect(await asUser('alice', `SELECT ssn FROM ${SECURE}.customers ORDER BY id`)).toEqual([{ ssn: sha256hex(`${SALT}ssn-1`) }, { ssn: sha256hex(`${SALT}ssn-4`) }]);
    // MariaDB lets the column go and leaves the view invalid until it is rebuilt.
    await withRoot((c) => c.query(`ALTER TABLE ${DB}.customers DROP COLUMN ssn, DROP COLUMN score`));
    expect(await asUser('alice', CUSTOMER_SQL)).toMatch(/invalid|Unknown column|references invalid/i);
    const shrunk = grown.filter((c) => c.name !== 'ssn' && c.name !== 'score');
    // A policy naming the dropped column by path is refused at plan time, never a broken view.
    await expect(plan(withColumns(input(), shrunk))).rejects.toThrow(/policy "zero-score": on.columns\[0\]: table .* has no column "score"/);
    const without = input();
    expect((await plan(withColumns({ ...without, policies: without.policies.filter((p) => p.name !== 'zero-score') }, shrunk))).ops.map((o) => (o.kind === 'buildView' ? `${o.spec.view[1]}:${o.reason}` : o.kind))).toEqual(['customers:changed']);
    expect(ids(await asUser('alice', `SELECT id, email FROM ${SECURE}.customers ORDER BY id`))).toEqual([1, 4]);
  });

  it('checks regular expressions with the server\'s engine', async () => {
    await withRoot(async (c) => {
      const bad = await checkRegexes(query(c), ['([A-Z])[a-z]+', '(unclosed', 'a{2,1}', '[[:alpha:]]+']);
      expect(bad.map((b) => b.pattern)).toEqual(['(unclosed', 'a{2,1}']);
    });
  });
});
