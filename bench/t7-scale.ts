/**
 * T7: 10,000 users × 100,000 tables × 500 policies (quick: 1,000 × 10,000 × 50).
 * 1. The pure engine in-process: `computeDesiredState` on a synthetic catalog of that size
 *    (median of 3, heap and RSS growth stated), and the cost of one change at that scale —
 *    a user joins a group, a table appears, a policy is added: desired state of the changed
 *    input + `planChanges` against the converged state + PostgreSQL compile, with the
 *    statements it makes.
 * 2. Converge against PostgreSQL (a child process, fresh embedded store): database `<db>`
 *    (default `bench_t7`, `STEWARD_BENCH_T7_DB`) of `STEWARD_BENCH_T7_SCHEMAS` schemas × 1,000
 *    tables (default: the full 100) and the users' login roles; dropped at the end unless
 *    `STEWARD_BENCH_T7_KEEP=1` (building 100,000 tables takes ≈12 minutes; a kept fixture is
 *    reused by the next run, and Steward's `steward_t7pg__*` roles are dropped before each
 *    converge so that it starts from nothing; `npm run bench -- --clean` drops it).
 *    `STEWARD_BENCH_T7_CONVERGE=0` skips it, `STEWARD_BENCH_T7_ENGINE=0` skips part 1.
 *    `STEWARD_BENCH_CHILD_ARGS='--cpu-prof --cpu-prof-dir=DIR'` profiles the converge child.
 */
import { randomBytes } from 'node:crypto';
import type { User } from '../src/domain/identity.js';
import type { Policy } from '../src/domain/policy.js';
import { DEFAULT_OPTIONS } from '../src/domain/connection.js';
import { computeDesiredState } from '../src/policy/desired-state.js';
import type { CatalogEntry, PolicyInput } from '../src/policy/input.js';
import { planChanges } from '../src/reconcile/diff.js';
import { postgresCapabilities } from '../src/platforms/postgres/capabilities.js';
import { compile } from '../src/platforms/postgres/compile.js';
import { quoteIdent } from '../src/platforms/postgres/quote.js';
import type { ConvergeResult } from './child/converge.js';
import { runChild } from './lib/child.js';
import { databaseExists, dropRolesWithPrefix, pgUrl, vacuumCatalogs, withPg } from './lib/pg.js';
import { log, series, verdict, type Row, type ScenarioResult } from './lib/report.js';
import { freshStoreDir, removeStoreDir } from './lib/steward.js';

const TABLES_PER_SCHEMA = 1000;

interface Shape {
  readonly connection: string;
  readonly database: string;
  readonly userPrefix: string;
  readonly users: number;
  readonly groups: number;
  readonly schemas: number;
  readonly policies: number;
}

const groupsOf = (u: number, s: Shape): string[] => {
  const a = ((u - 1) % s.groups) + 1;
  const b = ((u * 7) % s.groups) + 1;
  return a === b ? [`g${a}`] : [`g${a}`, `g${b}`];
};
const regionOf = (u: number): string => ['eu', 'us', 'apac', 'latam'][u % 4]!;

/** Policy k: its group reads (every 4th: writes) two schemas; every 10th also needs region eu or us. */
function policy(k: number, s: Shape, group?: string): Policy {
  const g = group ?? `g${((k - 1) % s.groups) + 1}`;
  const a = ((k - 1) % s.schemas) + 1;
  const b = ((k * 7) % s.schemas) + 1;
  return {
    name: `p${k}`,
    type: 'subscription',
    access: k % 4 === 0 ? 'write' : 'read',
    to: k % 10 === 0 ? { groups: [g], attributes: { region: ['eu', 'us'] } } : { groups: [g] },
    on: { paths: [`${s.connection}/${s.database}/s${a}/*`, `${s.connection}/${s.database}/s${b}/*`] },
  };
}

function yamlOf(s: Shape): string {
  const out = ['connections:', `  ${s.connection}:`, '    type: postgres', '    url: ${T7_URL}', `    databases: [${s.database}]`, `    protect: [${s.connection}/${s.database}/*]`, 'groups:'];
  for (let g = 1; g <= s.groups; g++) out.push(`  - g${g}`);
  out.push('users:');
  for (let u = 1; u <= s.users; u++) out.push(`  ${s.userPrefix}${u}:`, `    groups: [${groupsOf(u, s).join(', ')}]`, `    attributes: { region: [${regionOf(u)}] }`);
  out.push('policies:');
  for (let k = 1; k <= s.policies; k++) out.push(`  - ${JSON.stringify(policy(k, s))}`);
  return `${out.join('\n')}\n`;
}

function engineInput(s: Shape, tablesPerSchema: number): PolicyInput {
  const catalog: CatalogEntry[] = [{ segments: [s.database], kind: 'database', owner: 'etl', tags: [], columns: [] }];
  for (let sc = 1; sc <= s.schemas; sc++) {
    catalog.push({ segments: [s.database, `s${sc}`], kind: 'schema', owner: 'etl', tags: [], columns: [] });
    for (let t = 1; t <= tablesPerSchema; t++) catalog.push({ segments: [s.database, `s${sc}`, `t${t}`], kind: 'table', owner: 'etl', tags: [], columns: [] });
  }
  const users: User[] = [];
  for (let u = 1; u <= s.users; u++) users.push({ name: `${s.userPrefix}${u}`, email: null, groups: groupsOf(u, s), attributes: { region: [regionOf(u)] }, principals: {} });
  const policies: Policy[] = [];
  for (let k = 1; k <= s.policies; k++) policies.push(policy(k, s));
  return {
    connection: s.connection,
    options: { ...DEFAULT_OPTIONS, protect: [`${s.connection}/${s.database}/*`] },
    capabilities: postgresCapabilities,
    catalog,
    users,
    policies,
    now: new Date(),
    systemAccount: 'postgres',
  };
}

const mb = (n: number): number => n / 1024 / 1024;

async function ensureFixture(s: Shape): Promise<{ built: boolean; ms: number }> {
  const t0 = performance.now();
  let built = false;
  if (!(await databaseExists(s.database))) await withPg('postgres', (c) => c.query(`CREATE DATABASE ${quoteIdent(s.database)}`));
  await withPg(s.database, async (c) => {
    const have = new Map((await c.query<{ s: string; n: string }>(`SELECT ns.nspname AS s, count(cl.oid) AS n FROM pg_namespace ns LEFT JOIN pg_class cl ON cl.relnamespace = ns.oid AND cl.relkind = 'r' WHERE ns.nspname ~ '^s[0-9]+$' GROUP BY 1`)).rows.map((r) => [r.s, Number(r.n)]));
    for (let sc = 1; sc <= s.schemas; sc++) {
      if (have.get(`s${sc}`) === TABLES_PER_SCHEMA) continue;
      if (!built) log(`building ${s.database}: ${s.schemas} schemas × ${TABLES_PER_SCHEMA} tables`);
      built = true;
      await c.query(`DROP SCHEMA IF EXISTS s${sc} CASCADE`);
      await c.query(`CREATE SCHEMA s${sc}`);
      await c.query(`DO $$ BEGIN FOR t IN 1..${TABLES_PER_SCHEMA} LOOP EXECUTE format('CREATE TABLE s${sc}.%I (id int, owner text, v int)', 't' || t); END LOOP; END $$`);
      if (sc % 10 === 0) log(`  ${s.database}: ${sc}/${s.schemas} schemas`);
    }
    for (const [name] of have) if (Number(name.slice(1)) > s.schemas) await c.query(`DROP SCHEMA ${quoteIdent(name)} CASCADE`);
    await c.query(`DO $$ BEGIN FOR u IN 1..${s.users} LOOP
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${s.userPrefix}' || u) THEN EXECUTE format('CREATE ROLE %I LOGIN', '${s.userPrefix}' || u); END IF;
    END LOOP; END $$`);
    await c.query('VACUUM ANALYZE');
  });
  return { built, ms: performance.now() - t0 };
}

async function dropFixture(s: Shape): Promise<void> {
  await dropRolesWithPrefix(`steward_${s.connection}__`, s.database).catch(() => 0);
  await withPg('postgres', async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(s.database)} WITH (FORCE)`);
    const names = (await c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [s.userPrefix])).rows.map((r) => r.rolname);
    for (let i = 0; i < names.length; i += 1000) await c.query(`DROP ROLE ${names.slice(i, i + 1000).map(quoteIdent).join(', ')}`);
  });
}

function engine(full: Shape, database: string, rows: Row[], notes: string[]): void {
  const input = engineInput(full, TABLES_PER_SCHEMA);
  const times: number[] = [];
  let state = computeDesiredState(input);
  const heap0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    state = computeDesiredState(input);
    times.push(performance.now() - t0);
    log(`T7 desired state ${i + 1}/3: ${times[i]!.toFixed(0)} ms`);
  }
  const mem = process.memoryUsage();
  const ds = series(times);
  const tables = full.schemas * TABLES_PER_SCHEMA;
  rows.push({
    step: `desired state, ${full.users.toLocaleString('en-US')} users × ${tables.toLocaleString('en-US')} tables × ${full.policies} policies (T7)`,
    ms: ds,
    statements: `${state.state.roles.length} roles, ${state.state.memberships.length} memberships, ${state.state.grants.length} grants`,
    rssMb: mb(mem.rss),
    target: '≤ 2 s',
    verdict: verdict(ds, { absMs: 2000 }),
  });
  notes.push(`Engine memory: process RSS ${mb(mem.rss).toFixed(0)} MB after the runs (input and one result held), JS heap ${mb(mem.heapUsed).toFixed(0)} MB (${mb(mem.heapUsed - heap0).toFixed(0)} MB more than after the first run).`);

  // One change at that scale: desired state of the changed input, the diff against the converged state, the SQL.
  const changes: { name: string; input: PolicyInput }[] = [
    { name: 'one user joins one group', input: { ...input, users: input.users.map((u, i) => (i === 0 ? { ...u, groups: [...u.groups, 'g50'] } : u)) } },
    { name: 'a new table appears', input: { ...input, catalog: [...input.catalog, { segments: [database, 's1', 't_new'], kind: 'table', owner: 'etl', tags: [], columns: [] }] } },
    { name: 'a new policy', input: { ...input, policies: [...input.policies, { ...policy(1, full, 'g2'), name: 'p_new' }] } },
  ];
  for (const ch of changes) {
    const ms: number[] = [];
    let statements: string[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const after = computeDesiredState(ch.input);
      const plan = planChanges(state.state, after.state, { connection: full.connection, lastApplied: state.state });
      statements = compile(plan, input.options).map((s) => s.sql);
      ms.push(performance.now() - t0);
    }
    rows.push({ step: `one change: ${ch.name} (desired + diff + SQL)`, ms: series(ms), statements: statements.length });
    notes.push(`${ch.name}: ${statements.length} statement(s): ${statements.map((s) => `\`${s.length > 160 ? `${s.slice(0, 160)}…` : s}\``).join('; ') || 'none'}`);
  }
}

/** `npm run bench -- --clean`: the T7 fixtures (kept with `STEWARD_BENCH_T7_KEEP=1`), their login roles and Steward's roles. */
export async function cleanT7(): Promise<void> {
  for (const database of ['bench_t7', 'bench_t7_quick']) {
    await dropFixture({ connection: 't7pg', database, userPrefix: `${database}_u`, users: 0, groups: 0, schemas: 0, policies: 0 });
  }
}

export async function runT7(opts: { quick: boolean }): Promise<ScenarioResult> {
  const database = process.env.STEWARD_BENCH_T7_DB ?? (opts.quick ? 'bench_t7_quick' : 'bench_t7');
  const full: Shape = { connection: 't7pg', database, userPrefix: `${database}_u`, users: opts.quick ? 1_000 : 10_000, groups: 100, schemas: opts.quick ? 10 : 100, policies: opts.quick ? 50 : 500 };
  const rows: Row[] = [];
  const notes: string[] = [];

  // 1. The pure engine at full scale (`STEWARD_BENCH_T7_ENGINE=0` skips it).
  if (process.env.STEWARD_BENCH_T7_ENGINE !== '0') engine(full, database, rows, notes);

  // 2. Converge against PostgreSQL.
  if (process.env.STEWARD_BENCH_T7_CONVERGE !== '0') {
    const schemas = Number(process.env.STEWARD_BENCH_T7_SCHEMAS ?? full.schemas);
    const s: Shape = { ...full, schemas };
    const fixture = await ensureFixture(s);
    notes.push(`Converge fixture ${s.database}: ${schemas} schemas × ${TABLES_PER_SCHEMA} tables × 3 columns, ${s.users} login roles; ${fixture.built ? `built in ${(fixture.ms / 1000).toFixed(0)} s` : 'reused'}.`);
    const dir = await freshStoreDir();
    try {
      // A kept fixture: the previous converge's roles go (DROP OWNED rewrites every pg_class row
      // they were granted on). Then the catalogs are rewritten (VACUUM FULL, ≈5 s), on a new
      // fixture too: with autovacuum off a plain VACUUM left pg_class at 872 MB instead of 55 MB
      // after three converges, and the GRANTs took ≈20 s instead of ≈13 s on it.
      await dropRolesWithPrefix(`steward_${s.connection}__`, s.database);
      await vacuumCatalogs(s.database, true);
      const r = await runChild<ConvergeResult>('converge', { storeDir: dir, yaml: yamlOf(s), env: { T7_URL: pgUrl(s.database) }, connection: s.connection, masterKey: randomBytes(32).toString('hex') });
      const conv = series([r.applyMs]);
      rows.push({
        step: `converge from nothing, ${s.users.toLocaleString('en-US')} users × ${(schemas * TABLES_PER_SCHEMA).toLocaleString('en-US')} tables × ${s.policies} policies (T7)`,
        ms: conv,
        statements: r.statements,
        rssMb: r.rss.peak,
        target: schemas === full.schemas ? '≤ 60 s' : '≤ 60 s at full scale (this is smaller)',
        verdict: schemas === full.schemas ? verdict(conv, { absMs: 60_000 }) : '',
      });
      notes.push(
        `Converge: status ${r.status}${r.error ? ` (${r.error})` : ''}, ${r.operations} operations, ${r.statements} statements (${r.failed} failed); storeConfig ${(r.storeMs / 1000).toFixed(1)} s not counted; ` +
          `sync ${((r.syncMs ?? 0) / 1000).toFixed(1)} s (${r.syncObjects} objects), desired ${r.timings?.desiredMs.toFixed(0)} ms, actual ${r.timings?.actualMs.toFixed(0)} ms, plan ${r.timings?.planMs.toFixed(0)} ms; ` +
          `peak RSS ${r.rss.peak.toFixed(0)} MB (sampled: JS heap ${r.memory.heapUsed.toFixed(0)} MB, external ${r.memory.external.toFixed(0)} MB); ` +
          `apply CPU ${((r.applyCpuMs.user + r.applyCpuMs.system) / 1000).toFixed(1)} s (user ${(r.applyCpuMs.user / 1000).toFixed(1)}, sys ${(r.applyCpuMs.system / 1000).toFixed(1)}); ` +
          `phase marks (ms from start): ${Object.entries(r.marks).map(([k, v]) => `${k} ${v}`).join(', ')}; platform calls: ${Object.entries(r.phases).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}; mean ms per statement by tenth of the plan: ${r.statementMsByDecile.map((x) => x.toFixed(0)).join(', ')}.`,
      );
    } finally {
      removeStoreDir(dir);
      if (process.env.STEWARD_BENCH_T7_KEEP !== '1') await dropFixture(s);
    }
  }
  return { scenario: 't7', title: 'T7 scale: users × tables × policies', rows, notes };
}
