/**
 * T3/T11 through the server: `steward serve` (a real process) on S1's fixture, the API call that
 * adds one user to one group, and a poller that logs in as that user with their password and
 * retries a SELECT on a table only the new group reaches, until it succeeds. Then the reverse
 * (leave the group, poll until denied). Once with a PostgreSQL store (as a cluster runs), once
 * with the embedded store (as `npm start` runs). Floor: the plan's one statement run directly,
 * then the same poller: what any tool would take to make the change visible.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
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

export async function runT11(opts: { quick: boolean }): Promise<ScenarioResult> {
  const database = opts.quick ? 'bench_s1_quick' : 'bench_s1';
  const tables = opts.quick ? 50 : 500;
  const connection = 's1prop';
  const prefix = `steward_${connection}__`;
  const storeDb = 'bench_t11_store';
  const runs = opts.quick ? 5 : 7;
  const rows: Row[] = [];
  const notes: string[] = [];
  await ensurePgS1(database, tables, prefix);
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
    const join: number[] = [];
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
      join.push(await pollAs(database, `u${k}`, sql, 'ok', t0));
      await new Promise((r) => setTimeout(r, 300));
      const audit = (await api('GET', `/audit?connection=${connection}&action=apply&limit=1`)).json as { details: { statements?: unknown[] } }[];
      statements.push(audit[0]?.details.statements?.length ?? -1);
      const t1 = performance.now();
      await api('PUT', `/users/u${k}`, { groups: [own] });
      leave.push(await pollAs(database, `u${k}`, sql, 'denied', t1));
      await new Promise((r) => setTimeout(r, 300));
      log(`T11 ${label} run ${i + 1}/${runs}: join ${join.at(-1)!.toFixed(0)} ms, leave ${leave.at(-1)!.toFixed(0)} ms`);
    }
    const joinS = series(join);
    rows.push({
      step: `API: user joins group → SELECT works (${label})`, ms: joinS, floor: { name: 'the GRANT run directly + poll', ms: floorS },
      statements: [...new Set(statements)].join('/'), target: '≤ 1000 ms median, 1 statement',
      verdict: verdict(joinS, { absMs: 1000, extraOk: statements.every((n) => n === 1) }),
    });
    rows.push({ step: `API: user leaves group → SELECT denied (${label})`, ms: series(leave), floor: { name: 'the REVOKE run directly + poll', ms: floorLeaveS }, statements: 1 });
    // The server logs each applying reconcile with its timings: where the time goes.
    const jobs = [...server.log().matchAll(/reconcile \S+ \((?:change|policy[^)]*)\): applied, 1 statements, \d+ drift, (\d+) ms \(sync (\d+), desired (\d+), actual (\d+), plan (\d+)\)/g)]
      .map((m) => m.slice(1, 6).map(Number) as [number, number, number, number, number]);
    const med = (k: number): string => series(jobs.map((j) => j[k]!)).median.toFixed(0);
    notes.push(
      `${label}: converge of S1 through the jobs (POST /config → u${last} reads) ${convergeMs.toFixed(0)} ms. ` +
        `One-statement reconcile jobs (${jobs.length}), medians in ms: whole job ${med(0)} = sync ${med(1)} + desired ${med(2)} + actual ${med(3)} + plan ${med(4)} + the rest ` +
        '(model and catalog load, execute, audit, applied state, events); what is not in the job is the API call, the outbox dispatch and the queue.',
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
  await withPg('postgres', async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${storeDb} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${storeDb}`);
  });
  let server = await startServe({ env: { ...env, STEWARD_DATABASE_URL: pgUrl(storeDb) }, args });
  try {
    await measure('PostgreSQL store', server, 1);
  } finally {
    await server.stop();
    await dropRolesWithPrefix(prefix, database);
    await withPg('postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${storeDb} WITH (FORCE)`));
  }

  // Embedded store.
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-t11-'));
  server = await startServe({ env: { ...env, STEWARD_DATABASE_URL: '', STEWARD_DATA_DIR: dataDir }, args, timeoutMs: 120_000 });
  try {
    await measure('embedded store', server, 31);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await dropRolesWithPrefix(prefix, database);
  }
  notes.push(
    `Each run: PUT /users/uK adds one group; the poller logs in as uK (password, TCP) every ${POLL_MS} ms and SELECTs from a table only that group reaches. ` +
      'Times run from sending the request to the first successful (or, leaving, refused) SELECT. The server debounces a change by 50 ms, then syncs the ' +
      'connection and applies the one-statement plan; see docs/benchmarks.md.',
  );
  return { scenario: 't11', title: `T3/T11 through the server: API call → enforced (${database}, ${tables * 10} tables)`, rows, notes };
}
