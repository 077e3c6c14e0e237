/**
 * T5: a secure view with 4 masked columns and a row filter over 1,000,000 rows (quick:
 * 100,000), against the hand-written query that computes the same result from the base table.
 *
 * The view is the one apply builds: Steward's engine and PostgreSQL dialect, its profile rows
 * and salt, queried by the governed login (`session_user` picks the profile). The floor is the
 * same masking written by hand, with the user's regions as literals, run by the table's owner.
 * Measured three ways, runs alternating, medians of 7: the server's execution time of the
 * row-returning query (EXPLAIN ANALYZE: every row and mask computed, nothing sent — the target),
 * the same with the 250,000 rows fetched by the client, and an aggregate over every output
 * column (context: see the note on parallel plans). The plans go into the notes.
 */
import pg from 'pg';
import { DEFAULT_OPTIONS } from '../src/domain/connection.js';
import type { Policy } from '../src/domain/policy.js';
import type { PolicyInput } from '../src/policy/input.js';
import { computeSecureViews } from '../src/policy/secure-views.js';
import { postgresCapabilities } from '../src/platforms/postgres/capabilities.js';
import { quoteIdent } from '../src/platforms/postgres/quote.js';
import { readSecureViewActual } from '../src/platforms/postgres/secure-view-state.js';
import { postgresSecureViews } from '../src/platforms/postgres/secure-views.js';
import { definitionDigest } from '../src/platforms/secure-view-dialect.js';
import { compileSecureViewOps, planSecureViews } from '../src/reconcile/secure-view-diff.js';
import { databaseExists, pgUrl, withPg } from './lib/pg.js';
import { log, series, timed, verdict, type Row, type ScenarioResult } from './lib/report.js';

export const T5_DATABASE = 'bench_t5';
export const T5_LOGIN = 'bench_t5_alice';
const CONNECTION = 't5pg';
const OWNER = `steward_${CONNECTION}__views`;
const SALT = 'bench-salt';
const REGIONS = ['eu', 'us', 'apac', 'latam'];

const COLUMNS = 'id, name, email, phone, region, amount, born';

/** The aggregate both sides are read through: every output column, nothing sent but one row. */
const wrap = (from: string): string =>
  `SELECT count(*) AS n, sum(length(email)) AS e, sum(length(phone)) AS p, sum(amount) AS a, max(born) AS b, max(name) AS m FROM (${from}) AS q`;

/** The hand-written equivalent: the same masks and filter, the user's values as literals. */
const HAND_WRITTEN = `SELECT id, name,
  encode(sha256(convert_to('${SALT}' || email, 'UTF8')), 'hex') AS email,
  CASE WHEN char_length(phone) > 4 THEN repeat('*', char_length(phone) - 4) || right(phone, 4) ELSE repeat('*', char_length(phone)) END AS phone,
  region,
  round(amount / 100) * 100 AS amount,
  CAST(date_trunc('year', born) AS date) AS born
FROM public.people WHERE region IN ('eu')`;

function policies(): Policy[] {
  const col = (c: string): string => `${CONNECTION}/${T5_DATABASE}/public/people/${c}`;
  return [
    { name: 'hash-email', type: 'mask', on: { columns: [col('email')] }, mask: { hash: { salt: SALT } } },
    { name: 'last-four', type: 'mask', on: { columns: [col('phone')] }, mask: { partial: { keepLast: 4 } } },
    { name: 'bucket', type: 'mask', on: { columns: [col('amount')] }, mask: { round: { step: 100 } } },
    { name: 'birth-year', type: 'mask', on: { columns: [col('born')] }, mask: { round: { unit: 'year' } } },
    { name: 'own-region', type: 'rowFilter', on: { paths: [`${CONNECTION}/${T5_DATABASE}/public/people`] }, where: { column: 'region', in: 'user.attributes.region' } },
  ];
}

function input(): PolicyInput {
  const cols: [string, string][] = [['id', 'integer'], ['name', 'text'], ['email', 'text'], ['phone', 'text'], ['region', 'text'], ['amount', 'numeric(10,2)'], ['born', 'date']];
  return {
    connection: CONNECTION,
    options: { ...DEFAULT_OPTIONS, rolePrefix: `steward_${CONNECTION}__`, protect: [`${CONNECTION}/${T5_DATABASE}/public/*`] },
    capabilities: postgresCapabilities,
    catalog: [
      { segments: [T5_DATABASE], kind: 'database', owner: 'postgres', tags: [], columns: [] },
      { segments: [T5_DATABASE, 'public'], kind: 'schema', owner: 'postgres', tags: [], columns: [] },
      { segments: [T5_DATABASE, 'public', 'people'], kind: 'table', owner: 'postgres', tags: [], columns: cols.map(([name, type]) => ({ name, type, tags: [] })) },
    ],
    users: [{ name: 'alice', email: null, groups: ['analysts'], attributes: { region: ['eu'] }, principals: { [CONNECTION]: T5_LOGIN } }],
    policies: policies(),
    now: new Date(),
    systemAccount: 'postgres',
  };
}

async function ensureFixture(rows: number): Promise<{ built: boolean; ms: number }> {
  const t = await timed(async () => {
    if (!(await databaseExists(T5_DATABASE))) await withPg('postgres', (c) => c.query(`CREATE DATABASE ${T5_DATABASE}`));
    return withPg(T5_DATABASE, async (c) => {
      const exists = (await c.query<{ t: string | null }>(`SELECT to_regclass('public.people')::text AS t`)).rows[0]!.t !== null;
      if (exists && Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM public.people')).rows[0]!.n) === rows) return false;
      await c.query('DROP TABLE IF EXISTS public.people CASCADE');
      await c.query('CREATE TABLE public.people (id integer PRIMARY KEY, name text, email text, phone text, region text, amount numeric(10,2), born date)');
      await c.query(
        `INSERT INTO public.people SELECT g, 'Person ' || g, 'person' || g || '@example.com', '555-' || lpad((g % 10000000)::text, 7, '0'),
           (ARRAY[${REGIONS.map((r) => `'${r}'`).join(', ')}])[1 + g % 4], (g % 100000) / 7.0, DATE '1950-01-01' + (g % 20000)
         FROM generate_series(1, $1::int) AS g`,
        [rows],
      );
      await c.query('VACUUM ANALYZE public.people');
      return true;
    });
  });
  return { built: t.value, ms: t.ms };
}

/** Build the view the way apply does: desired + actual → secure-view changes → dialect SQL. */
async function buildView(): Promise<number> {
  await withPg('postgres', async (c) => {
    for (const role of [OWNER, T5_LOGIN]) {
      const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if (exists.rowCount === 0) await c.query(`CREATE ROLE ${quoteIdent(role)} ${role === T5_LOGIN ? 'LOGIN' : 'NOLOGIN'}`);
    }
  });
  const desired = computeSecureViews(input());
  return withPg(T5_DATABASE, async (c) => {
    await c.query(`GRANT USAGE ON SCHEMA public TO ${quoteIdent(OWNER)}`);
    await c.query(`GRANT SELECT ON public.people TO ${quoteIdent(OWNER)}`);
    const actual = await readSecureViewActual(async () => c, { systems: [[T5_DATABASE, `steward_${CONNECTION}`]], containers: desired.containers });
    const ops = planSecureViews(desired, actual, {
      digestOf: (spec) => definitionDigest(postgresSecureViews.viewDefinition(spec, desired.owner)),
      readersOf: () => [T5_LOGIN],
    });
    const statements = compileSecureViewOps(ops, postgresSecureViews, desired.owner);
    await c.query('BEGIN');
    for (const s of statements) await c.query(s.sql, s.params === null ? undefined : [...s.params]);
    await c.query('COMMIT');
    await c.query(`GRANT USAGE ON SCHEMA public_secure TO ${quoteIdent(T5_LOGIN)}`);
    return statements.length;
  });
}

async function connectAs(user: string): Promise<pg.Client> {
  const u = new URL(pgUrl(T5_DATABASE));
  u.username = user;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  return c;
}

export async function runT5(opts: { quick: boolean }): Promise<ScenarioResult> {
  const rows = opts.quick ? 100_000 : 1_000_000;
  const notes: string[] = [];
  const fixture = await ensureFixture(rows);
  notes.push(`Fixture ${T5_DATABASE}.public.people: ${rows.toLocaleString('en')} rows, regions eu/us/apac/latam (the user sees eu: a quarter); ${fixture.built ? `built in ${(fixture.ms / 1000).toFixed(0)} s` : 'reused'}.`);
  const statements = await buildView();
  notes.push(`View brought up to date with ${statements} statements this run (Steward's engine and PostgreSQL dialect, the statements apply runs; 0: already up to date).`);

  const user = await connectAs(T5_LOGIN);
  const owner = await connectAs('postgres');
  const viewRows = `SELECT ${COLUMNS} FROM public_secure.people`;
  try {
    // Same answer both ways, or the comparison means nothing.
    const [a, b] = [(await user.query(wrap(viewRows))).rows[0], (await owner.query(wrap(HAND_WRITTEN))).rows[0]];
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`view and hand-written query disagree: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    notes.push(`Both return ${JSON.stringify(a)}.`);

    const runs = 7;
    /** Alternate the two sides `runs` times after a warm-up; ms of each side. */
    const pair = async (name: string, viewRun: () => Promise<number>, handRun: () => Promise<number>): Promise<{ view: number[]; hand: number[] }> => {
      await viewRun();
      await handRun();
      const out = { view: [] as number[], hand: [] as number[] };
      for (let i = 0; i < runs; i++) {
        out.hand.push(await handRun());
        out.view.push(await viewRun());
        log(`T5 ${name} ${i + 1}/${runs}: view ${out.view[i]!.toFixed(0)} ms, hand-written ${out.hand[i]!.toFixed(0)} ms`);
      }
      return out;
    };
    /** Server-side execution time: every row and every mask computed, nothing sent. */
    const executionMs = async (c: pg.Client, sql: string): Promise<number> => {
      const r = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) ${sql}`);
      const line = r.rows.map((x) => x['QUERY PLAN']).find((l) => l.startsWith('Execution Time:'))!;
      return Number(/([\d.]+) ms/.exec(line)![1]);
    };
    const wall = (c: pg.Client, sql: string) => async (): Promise<number> => (await timed(() => c.query({ text: sql, rowMode: 'array' }))).ms;

    const server = await pair('server', () => executionMs(user, viewRows), () => executionMs(owner, HAND_WRITTEN));
    const client = await pair('client', wall(user, viewRows), wall(owner, HAND_WRITTEN));
    const agg = await pair('aggregate', wall(user, wrap(viewRows)), wall(owner, wrap(HAND_WRITTEN)));

    const plan = async (c: pg.Client, sql: string): Promise<string> =>
      (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${sql}`)).rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n');
    notes.push(`Plan through the view (as ${T5_LOGIN}):\n\n${await plan(user, viewRows)}\n`);
    notes.push(`Plan of the hand-written query:\n\n${await plan(owner, HAND_WRITTEN)}\n`);
    notes.push(`Plans of the aggregate: through the view\n\n${await plan(user, wrap(viewRows))}\n\n  and hand-written\n\n${await plan(owner, wrap(HAND_WRITTEN))}\n`);
    notes.push(
      'The aggregate row is context, not the target: PostgreSQL does not push a partial aggregate below a security-barrier view, so the hand-written query is aggregated in parallel workers and the view is not (same per-row work; see the plans).',
    );

    const row = (step: string, m: { view: number[]; hand: number[] }, floorName: string, target: boolean): Row => {
      const v = series(m.view);
      const floor = { name: floorName, ms: series(m.hand) };
      return { step, ms: v, floor, ...(target ? { target: '≤ 1.1× floor', verdict: verdict(v, { maxRatio: 1.1, floor: floor.ms }) } : {}) };
    };
    const n = rows.toLocaleString('en');
    return {
      scenario: 't5',
      title: `T5 secure view vs hand-written query on PostgreSQL (${n} rows)`,
      rows: [
        row(`view: 4 masks + row filter over ${n} rows, server execution`, server, 'hand-written, server execution', true),
        row('the same, rows fetched by the client', client, 'hand-written, fetched', true),
        row('aggregate over every column (default planner)', agg, 'hand-written aggregate', false),
      ],
      notes,
    };
  } finally {
    await user.end();
    await owner.end();
  }
}

/** Drop what T5 made: its database, the login and Steward's view owner role. */
export async function cleanT5(): Promise<void> {
  await withPg('postgres', async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${T5_DATABASE} WITH (FORCE)`);
    for (const r of [T5_LOGIN, OWNER]) await c.query(`DROP ROLE IF EXISTS ${quoteIdent(r)}`);
  });
}
