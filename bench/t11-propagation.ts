/**
 * T3/T11 through the server: `steward serve` (a real process) on S1's fixture, the API call that
 * adds one user to one group, and a poller that logs in as that user with their password and
 * retries a SELECT on a table only the new group reaches, until it succeeds. Then the reverse
 * (leave the group, poll until denied). Once with a PostgreSQL store (as a cluster runs), once
 * with the embedded store (as `npm start` runs). Floor: the plan's one statement run directly,
 * then the same poller: what any tool would take to make the change visible.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseConfig } from '../src/config/load-config.js';
import { quoteIdent } from '../src/platforms/postgres/quote.js';
import { apiCall, startServe, type ServeProcess } from '../test/helpers/serve-process.js';
import { ensurePgS1 } from './fixtures/pg-s1.js';
import { dropRolesWithPrefix, pgUrl, vacuumCatalogs, withPg } from './lib/pg.js';
import { log, series, verdict, type Row, type ScenarioResult } from './lib/report.js';
import { GROUPS, groupOf, readsOf, s1Yaml } from './lib/s1-shape.js';

const POLL_MS = 10;

/** Log in as `user` (password `pw`) and SELECT until `want` holds; ms from `t0`. */
async function pollAs(database: string, user: string, sql: string, want: 'ok' | 'denied', t0: number, timeoutMs = 30_000): Promise<number> {
  const u = new URL(pgUrl(database));
  u.username = user;
  u.password = 'pw';
  for (;;) {
    const c = new pg.Client({ connectionString: u.toString() });
    let ok = false;
    try {
      await c.connect();
      await c.query(sql);
      ok = true;
    } catch {
      ok = false;
    } finally {
      await c.end().catch(() => undefined);
    }
    if ((want === 'ok') === ok) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${user}: "${sql}" still ${ok ? 'allowed' : 'denied'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** A group that reads a schema user uK's own group neither reads nor writes. */
function otherGroup(k: number): { group: number; schema: number } {
  const g = groupOf(k);
  const x = ((g + 4) % GROUPS) + 1;
  return { group: x, schema: readsOf(x)[0]! };
}

/**
 * Knobs for profiling on a shared machine (environment):
 * - STEWARD_BENCH_T11_PREFIX: prefix of the fixture database, store database and connection
 *   (e.g. `lat_`), so that this run shares nothing with other benchmarks running at the time;
 * - STEWARD_BENCH_T11_STORES: `pg`, `embedded` or both (default);
 * - STEWARD_BENCH_T11_RUNS: joins and leaves per store (default 7, quick 5);
 * - STEWARD_BENCH_T11_CPU_PROF: a directory: the server runs with `--cpu-prof` there;
 * - STEWARD_BENCH_T11_LOG: a directory: the server's log is written there;
 * - STEWARD_BENCH_T11_REUSE=1: the fixture exists as built (no check, no VACUUM FULL).
 */
const knobs = {
  prefix: process.env.STEWARD_BENCH_T11_PREFIX ?? '',
  stores: process.env.STEWARD_BENCH_T11_STORES ?? 'pg,embedded',
  runs: Number(process.env.STEWARD_BENCH_T11_RUNS ?? 0),
  cpuProf: process.env.STEWARD_BENCH_T11_CPU_PROF ?? '',
  log: process.env.STEWARD_BENCH_T11_LOG ?? '',
  reuse: process.env.STEWARD_BENCH_T11_REUSE === '1',
};

export async function runT11(opts: { quick: boolean }): Promise<ScenarioResult> {
  if (!/^[a-z0-9_]*$/.test(knobs.prefix)) throw new Error(`STEWARD_BENCH_T11_PREFIX: "${knobs.prefix}" is not [a-z0-9_]*`);
  const database = `${knobs.prefix}${opts.quick ? 'bench_s1_quick' : 'bench_s1'}`;
  const tables = opts.quick ? 50 : 500;
  const connection = `${knobs.prefix}s1prop`;
  const prefix = `steward_${connection}__`;
  const storeDb = `${knobs.prefix}bench_t11_store`;
  const runs = knobs.runs > 0 ? knobs.runs : opts.quick ? 5 : 7;
  const nodeArgs = knobs.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${knobs.cpuProf}`] : [];
  const rows: Row[] = [];
  const notes: string[] = [];
  // Reusing a fixture skips its check and VACUUM FULL, whose exclusive locks on the shared catalogs
  // (pg_authid) stall every login on a cluster others are using.
  if (!knobs.reuse) await ensurePgS1(database, tables, prefix);
  await dropRolesWithPrefix(prefix, database);
  await vacuumCatalogs(database);
  const config = parseConfig(
    s1Yaml({ connection, type: 'postgres', urlVar: 'URL', databases: [database], protect: [`${connection}/${database}`], containerPath: (n) => `${connection}/${database}/s${n}` }),
    'steward.yaml',
    { URL: pgUrl(database) },
  );
  const token = `stw_${randomBytes(16).toString('hex')}`;
  const env = { STEWARD_ADMIN_TOKEN: token, STEWARD_MASTER_KEY: randomBytes(32).toString('base64') };
  const args = ['--drift-interval', '1h', '--sync-interval', '1h', '--probe-interval', '10m'];

  const measure = async (label: string, server: ServeProcess, firstUser: number): Promise<void> => {
    const api = (method: string, path: string, body?: unknown) => apiCall(server.url, token, method, path, body);
    const t0c = performance.now();
    const stored = await api('POST', '/config', { config });
    if (stored.status !== 200) throw new Error(`POST /config: ${stored.status} ${stored.text}`);
    // Converged when the last user reads through its group.
    const last = 200;
    const convergeMs = await pollAs(database, `u${last}`, `SELECT 1 FROM s${readsOf(groupOf(last))[0]}.t1 LIMIT 1`, 'ok', t0c, 120_000);
    log(`T11 ${label}: converged through the jobs in ${convergeMs.toFixed(0)} ms`);
    // Steady state: the converge job goes on after the grants are visible (audit, applied state, events).
    await new Promise((r) => setTimeout(r, 5000));
    const joins: number[] = [];
    const leave: number[] = [];
    const statements: number[] = [];
    for (let i = 0; i < runs; i++) {
      const k = firstUser + i;
      const { group, schema } = otherGroup(k);
      const sql = `SELECT 1 FROM s${schema}.t2 LIMIT 1`;
      const own = `grp${groupOf(k)}`;
      const t0 = performance.now();
      const put = await api('PUT', `/users/u${k}`, { groups: [own, `grp${group}`] });
      if (put.status !== 204) throw new Error(`PUT /users/u${k}: ${put.status} ${put.text}`);
      joins.push(await pollAs(database, `u${k}`, sql, 'ok', t0));
      await new Promise((r) => setTimeout(r, 300));
      // The apply's audit event, once its statements are recorded (the job goes on after the grant is visible).
      let ran = -1;
      for (let wait = 0; ran < 0 && wait < 100; wait++) {
        // The list leaves the statements out; the event itself has them.
        const [newest] = (await api('GET', `/audit?connection=${connection}&action=apply&limit=1`)).json as { id: number; outcome: string }[];
        if (newest !== undefined && newest.outcome !== 'started') {
          const event = (await api('GET', `/audit/${newest.id}`)).json as { details: { statements?: unknown[] } };
          ran = event.details.statements?.length ?? -1;
        }
        if (ran < 0) await new Promise((r) => setTimeout(r, 100));
      }
      statements.push(ran);
      const t1 = performance.now();
      await api('PUT', `/users/u${k}`, { groups: [own] });
      leave.push(await pollAs(database, `u${k}`, sql, 'denied', t1));
      await new Promise((r) => setTimeout(r, 300));
      log(`T11 ${label} run ${i + 1}/${runs}: join ${joins.at(-1)!.toFixed(0)} ms, leave ${leave.at(-1)!.toFixed(0)} ms`);
    }
    const joinS = series(joins);
    rows.push({
      step: `API: user joins group → SELECT works (${label})`, ms: joinS, floor: { name: 'the GRANT run directly + poll', ms: floorS },
      statements: [...new Set(statements)].join('/'), target: '≤ 1000 ms median, 1 statement',
      verdict: verdict(joinS, { absMs: 1000, extraOk: statements.every((n) => n === 1) }),
    });
    rows.push({ step: `API: user leaves group → SELECT denied (${label})`, ms: series(leave), floor: { name: 'the REVOKE run directly + poll', ms: floorLeaveS }, statements: 1 });
    // The server logs each applying reconcile with its timings: where the time goes.
    if (knobs.log) writeFileSync(join(knobs.log, `serve-${label.replace(/\W+/g, '-')}.log`), server.log());
    const lines = [...server.log().matchAll(/reconcile \S+ \((?:change|policy[^)]*)\): applied(?: \(memberships only\))?, 1 statements, [^\n]*/g)].map((m) => m[0]);
    const num = (line: string, re: RegExp): number | null => {
      const m = re.exec(line);
      return m ? Number(m[1]) : null;
    };
    const med = (re: RegExp): string => {
      const xs = lines.map((l) => num(l, re)).filter((x): x is number => x !== null);
      return xs.length > 0 ? series(xs).median.toFixed(0) : '–';
    };
    const scoped = lines.filter((l) => l.includes('(memberships only)')).length;
    notes.push(
      `${label}: converge of S1 through the jobs (POST /config → u${last} reads) ${convergeMs.toFixed(0)} ms. ` +
        `One-statement reconcile jobs: ${lines.length} (${scoped} membership-scoped). Medians in ms: whole job ${med(/drift, (\d+) ms/)}; ` +
        `waited in the queue ${med(/queued (\d+) ms/)} (50 ms debounce included); steps end at: lease ${med(/lease (\d+)/)}, locked ${med(/locked (\d+)/)}, ` +
        `model ${med(/model (\d+)/)}, objects ${med(/objects (\d+)/)}, planned ${med(/planned (\d+)/)} (desired ${med(/desired (\d+)/)}, actual ${med(/actual (\d+)/)}, ` +
        `plan ${med(/plan (\d+)\)/)}), audited ${med(/audited (\d+)/)}, executed ${med(/executed (\d+)/)} (the grant is visible from here), ` +
        `verified ${med(/verified (\d+)/)}, recorded ${med(/recorded (\d+)/)}; sync ${med(/sync (\d+)/)}; process CPU per job ${med(/process CPU (\d+) ms/)}.`,
    );
  };

  // Floor: the one statement of the plan, run directly, then the same poller.
  const floor: number[] = [];
  const floorLeave: number[] = [];
  await withPg(database, (c) => c.query(`CREATE ROLE ${quoteIdent(`${prefix}floor`)} NOLOGIN`));
  for (let i = 0; i < runs; i++) {
    const k = 150 + i;
    const { schema } = otherGroup(k);
    const role = quoteIdent(`${prefix}floor`);
    await withPg(database, (c) => c.query(`GRANT USAGE ON SCHEMA s${schema} TO ${role}; GRANT SELECT ON s${schema}.t2 TO ${role}`));
    const sql = `SELECT 1 FROM s${schema}.t2 LIMIT 1`;
    const t0 = performance.now();
    await withPg(database, (c) => c.query(`GRANT ${role} TO ${quoteIdent(`u${k}`)}`));
    floor.push(await pollAs(database, `u${k}`, sql, 'ok', t0));
    const t1 = performance.now();
    await withPg(database, (c) => c.query(`REVOKE ${role} FROM ${quoteIdent(`u${k}`)}`));
    floorLeave.push(await pollAs(database, `u${k}`, sql, 'denied', t1));
  }
  await dropRolesWithPrefix(prefix, database);
  const floorS = series(floor);
  const floorLeaveS = series(floorLeave);

  // PostgreSQL store.
  if (knobs.stores.includes('pg')) {
  await withPg('postgres', async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${storeDb} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${storeDb}`);
  });
  const server = await startServe({ env: { ...env, STEWARD_DATABASE_URL: pgUrl(storeDb) }, args, nodeArgs });
  try {
    await measure('PostgreSQL store', server, 1);
  } finally {
    await server.stop();
    await dropRolesWithPrefix(prefix, database);
    await withPg('postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${storeDb} WITH (FORCE)`));
  }
  }

  // Embedded store.
  if (knobs.stores.includes('embedded')) {
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-t11-'));
  const server = await startServe({ env: { ...env, STEWARD_DATABASE_URL: '', STEWARD_DATA_DIR: dataDir }, args, nodeArgs, timeoutMs: 120_000 });
  try {
    await measure('embedded store', server, 31);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await dropRolesWithPrefix(prefix, database);
  }
  }
  notes.push(
    `Each run: PUT /users/uK adds one group; the poller logs in as uK (password, TCP) every ${POLL_MS} ms and SELECTs from a table only that group reaches. ` +
      'Times run from sending the request to the first successful (or, leaving, refused) SELECT. The server debounces a change by 50 ms, then runs a ' +
      'membership-scoped reconcile (no sync; roles and memberships read) and applies the one-statement plan; see docs/benchmarks.md.',
  );
  return { scenario: 't11', title: `T3/T11 through the server: API call → enforced (${database}, ${tables * 10} tables)`, rows, notes };
}
