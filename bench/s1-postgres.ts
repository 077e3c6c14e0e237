/**
 * Scenario S1 on PostgreSQL (BENCHMARKS.md) and targets T1, T2, T3, T6: converge from nothing,
 * no-op reconcile, one user joins one group, remove one table (and add it back), drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { parseConfig } from '../src/config/load-config.js';
import type { Statement } from '../src/domain/plan.js';
import type { ConvergeResult } from './child/converge.js';
import { createTableSql, ensurePgS1, ETL, revokeStrayGrants } from './fixtures/pg-s1.js';
import { WORK_DIR, childRunner, runChild } from './lib/child.js';
import { dropRolesWithPrefix, pgUrl, planScript, psqlFile, vacuumCatalogs, withPg } from './lib/pg.js';
import { planDifference } from './lib/plans.js';
import { log, series, timed, verdict, type Row, type ScenarioResult } from './lib/report.js';
import { CONTAINERS, s1Yaml } from './lib/s1-shape.js';
import { freshStoreDir, openSteward, removeStoreDir, resetPhases, round } from './lib/steward.js';

export interface S1Options {
  readonly quick: boolean;
}

const median = (xs: readonly number[]): number => series(xs).median;

export async function runS1Postgres(opts: S1Options): Promise<ScenarioResult> {
  const database = opts.quick ? 'bench_s1_quick' : 'bench_s1';
  const connection = opts.quick ? 's1pg_quick' : 's1pg';
  const tables = opts.quick ? 50 : 500;
  const prefix = `steward_${connection}__`;
  const env = { S1PG_URL: pgUrl(database) };
  const yaml = (groupsOverride?: Record<number, number[]>): string =>
    s1Yaml({
      connection,
      type: 'postgres',
      urlVar: 'S1PG_URL',
      databases: [database],
      protect: [`${connection}/${database}`],
      containerPath: (n) => `${connection}/${database}/s${n}`,
      ...(groupsOverride ? { groupsOverride } : {}),
    });
  const config = (o?: Record<number, number[]>) => parseConfig(yaml(o), 'steward.yaml', env);
  const rows: Row[] = [];
  const notes: string[] = [];
  const totalTables = CONTAINERS * tables;

  const fixture = await ensurePgS1(database, tables, prefix);
  notes.push(
    `Fixture ${database}: ${CONTAINERS} schemas × ${tables} tables owned by ${ETL}, 30 groups, 200 login users; ` +
      (fixture.built ? `built in ${(fixture.ms / 1000).toFixed(1)} s.` : 'reused.') +
      (fixture.foreign > 0 ? ` Removed ${fixture.foreign} grants/default privileges held in it by roles of other connections first.` : ''),
  );
  await dropRolesWithPrefix(prefix, database);

  // ── T1 / T6: converge from nothing (child process per run), floor = psql running the same plan.
  const runs = 3;
  const converge: ConvergeResult[] = [];
  const floor: number[] = [];
  const plans: Statement[][] = [];
  const statementsFile = join(WORK_DIR, `${connection}-plan.json`);
  const scriptFile = join(WORK_DIR, `${connection}-plan.sql`);
  // Every reset is followed by a plain VACUUM of the catalogs it churned (see vacuumCatalogs).
  const reset = async (): Promise<void> => {
    await dropRolesWithPrefix(prefix, database);
    await vacuumCatalogs(database);
  };
  for (let i = 0; i < runs; i++) {
    await reset();
    const storeDir = await freshStoreDir();
    try {
      const r = await runChild<ConvergeResult>('converge', { storeDir, yaml: yaml(), env, connection, statementsFile });
      if (r.status !== 'applied' || r.failed > 0) throw new Error(`converge ${r.status}: ${r.error ?? ''}`);
      converge.push(r);
      log(`S1 pg converge ${i + 1}/${runs}: ${r.applyMs.toFixed(0)} ms, ${r.statements} statements, peak RSS ${r.rss.peak.toFixed(0)} MB`);
    } finally {
      removeStoreDir(storeDir);
    }
    const statements = JSON.parse(readFileSync(statementsFile, 'utf8')) as Statement[];
    plans.push(statements);
    writeFileSync(scriptFile, planScript(statements, database));
    await reset();
    const ms = await psqlFile(database, scriptFile);
    floor.push(ms);
    log(`S1 pg floor ${i + 1}/${runs}: psql ${ms.toFixed(0)} ms`);
  }
  // One more converge with a PostgreSQL-backed store (STEWARD_DATABASE_URL): Steward's own
  // memory without PGlite's WebAssembly heap.
  await reset();
  const storeDb = 'bench_steward_store';
  await withPg('postgres', async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${storeDb} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${storeDb}`);
  });
  const pgStore = await runChild<ConvergeResult>('converge', { storeDir: null, storeUrl: pgUrl(storeDb), yaml: yaml(), env, connection });
  await withPg('postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${storeDb} WITH (FORCE)`));
  if (pgStore.status !== 'applied' || pgStore.failed > 0) throw new Error(`converge (PostgreSQL store) ${pgStore.status}: ${pgStore.error ?? ''}`);
  log(`S1 pg converge with a PostgreSQL store: ${pgStore.applyMs.toFixed(0)} ms, RSS ${JSON.stringify(pgStore.rss)}`);
  const diff = planDifference(plans);
  if (diff) notes.push(diff);
  const applyS = series(converge.map((r) => r.applyMs));
  const floorS = series(floor);
  const stmts = converge[0]!.statements;
  rows.push({
    step: 'converge from nothing (T1)',
    ms: applyS,
    floor: { name: 'psql runs the plan', ms: floorS },
    statements: stmts,
    target: '≤ 1000 ms, ≤ 1.5× floor',
    verdict: verdict(applyS, { absMs: 1000, maxRatio: 1.5, floor: floorS }),
  });
  const peak = series(converge.map((r) => r.rss.peak));
  rows.push({
    step: 'converge peak RSS (T6)',
    ms: applyS,
    rssMb: peak.median,
    target: '≤ 150 MB',
    verdict: peak.median <= 150 ? 'met' : 'MISSED',
  });
  rows.push({
    step: 'converge, PostgreSQL-backed store (1 run)',
    ms: series([pgStore.applyMs]),
    floor: { name: 'psql runs the plan', ms: floorS },
    statements: pgStore.statements,
    rssMb: pgStore.rss.peak,
    target: 'T6 ≤ 150 MB',
    verdict: pgStore.rss.peak <= 150 ? 'met' : 'MISSED',
  });
  const br = (k: (r: ConvergeResult) => number | null | undefined): string => round(median(converge.map((r) => k(r) ?? 0))).toFixed(0);
  notes.push(
    `Converge breakdown (medians, ms): storeConfig ${br((r) => r.storeMs)} (not in T1); applyConnection ${br((r) => r.applyMs)} = ` +
      `connect ${br((r) => r.phases.connect)} + sync ${br((r) => r.syncMs)} (introspect ${br((r) => r.phases.introspect)}, ${converge[0]!.syncObjects} objects) + ` +
      `desired ${br((r) => r.timings?.desiredMs)} + actual ${br((r) => r.timings?.actualMs)} + plan/compile ${br((r) => r.timings?.planMs)} + ` +
      `execute ${br((r) => r.phases.execute)} + rest (audit, status, model load).`,
  );
  notes.push(
    `Converge RSS (median MB): ${br((r) => r.rss.start)} at child start (node + imports), ${br((r) => r.rss.storeOpen)} after opening an existing empty ` +
      `PGlite store, ${br((r) => r.rss.afterApply)} after apply, peak ${br((r) => r.rss.peak)} (children run as ${await childRunner()}).`,
  );
  notes.push(`Converge plan: ${converge[0]!.operations} operations, ${stmts} statements for ${totalTables} tables × 200 users; the psql floor script is ${scriptFile}.`);

  // The database is now in the state psql left; Steward must see nothing to do.
  const storeDir = await freshStoreDir();
  const st = await openSteward(storeDir);
  const admin = new pg.Client({ connectionString: pgUrl(database) });
  await admin.connect();
  try {
    await st.client.storeConfig(config());
    const first = await st.client.applyConnection(connection, { force: true });
    if (first.status !== 'no-op') notes.push(`UNEXPECTED: after the psql floor the first apply was ${first.status} with ${first.plan.statements.length} statements.`);

    // ── T2: no-op reconcile without sync; floor = one aclexplode read of the governed tables.
    const aclRead = `SELECT ns.nspname, c.relname, a.grantee, a.privilege_type
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
WHERE ns.nspname ~ '^s([1-9]|10)$' AND c.relkind IN ('r', 'p', 'v', 'm')`;
    const noop: number[] = [];
    const aclFloor: number[] = [];
    const noopTimings: { desired: number; actual: number; plan: number; connect: number }[] = [];
    let aclRows = 0;
    for (let i = 0; i < 7; i++) {
      resetPhases(st.phases);
      const r = await timed(() => st.services.reconcile.apply(connection, () => st.services.config.loadModel(), { actor: 'bench', sync: false }));
      if (r.value.status !== 'no-op') throw new Error(`no-op run was ${r.value.status}`);
      noop.push(r.ms);
      const t = r.value.plan.timings;
      noopTimings.push({ desired: t.desiredMs, actual: t.actualMs, plan: t.planMs, connect: st.phases.connect });
      const f = await timed(() => admin.query(aclRead));
      aclRows = f.value.rowCount ?? 0;
      aclFloor.push(f.ms);
    }
    const noopS = series(noop);
    const aclS = series(aclFloor);
    rows.push({
      step: 'no-op reconcile, no sync (T2)',
      ms: noopS,
      floor: { name: `aclexplode read (${aclRows} rows)`, ms: aclS },
      statements: 0,
      target: '≤ 250 ms, ≤ 2× floor',
      verdict: verdict(noopS, { absMs: 250, maxRatio: 2, floor: aclS }),
    });
    notes.push(
      `No-op breakdown (medians, ms): connect ${round(median(noopTimings.map((t) => t.connect)))}, desired ${median(noopTimings.map((t) => t.desired))}, ` +
        `actual-state read ${median(noopTimings.map((t) => t.actual))}, diff ${median(noopTimings.map((t) => t.plan))}; rest is loading the model and ` +
        `the ${totalTables} stored objects from the store, and the audit/status writes.`,
    );
    const [size] = await st.services.db.query<{ n: number }>('SELECT length(applied_state::text)::int AS n FROM connection_status WHERE connection = $1', [
      connection,
    ]);
    notes.push(
      `The applied state kept for drift classification is ${((size?.n ?? 0) / 1e6).toFixed(1)} MB of JSON.`,
    );
    const noopSync: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await timed(() => st.client.applyConnection(connection, { force: true }));
      if (r.value.status !== 'no-op') throw new Error(`no-op apply was ${r.value.status}`);
      noopSync.push(r.ms);
    }
    rows.push({ step: 'no-op apply incl. sync', ms: series(noopSync), floor: { name: 'aclexplode read', ms: aclS }, statements: 0 });

    // ── T3: one user joins one group: store → enforced (u1 holds the privileges of grp2's roles).
    const join3 = { 1: [1, 2] };
    const [planned] = await st.client.plan(config(join3));
    const sqls = planned!.statements.map((s) => s.sql);
    notes.push(`T3 plan (u1 joins grp2), ${sqls.length} statement(s): \`${sqls.join('; ')}\``);
    const memberOf = async (): Promise<number> =>
      Number(
        (
          await admin.query<{ n: string }>(
            // grp2's policy roles u1 holds the privileges of, directly or through grp2's role.
            `SELECT count(*) AS n FROM pg_roles r WHERE starts_with(r.rolname, $1) AND pg_has_role('u1', r.oid, 'USAGE')`,
            [`${prefix}grp2_`],
          )
        ).rows[0]!.n,
      );
    const joins: number[] = [];
    const joinParts: { store: number; apply: number; sync: number; desired: number; actual: number; plan: number; execute: number }[] = [];
    const leaves: number[] = [];
    let joinStatements = 0;
    let leaveStatements = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await st.client.storeConfig(config(join3));
      const t1 = performance.now();
      resetPhases(st.phases);
      const r = await st.client.applyConnection(connection, { force: true });
      const t2 = performance.now();
      const tm = st.last!.plan.timings;
      joinParts.push({
        store: t1 - t0,
        apply: t2 - t1,
        sync: r.sync?.ms ?? 0,
        desired: tm.desiredMs,
        actual: tm.actualMs,
        plan: tm.planMs,
        execute: st.phases.execute,
      });
      while ((await memberOf()) < 2) {
        if (performance.now() - t0 > 10_000) throw new Error('T3: membership not visible after 10 s');
      }
      joins.push(performance.now() - t0);
      joinStatements = r.plan.statements.length;
      const l = await timed(async () => {
        await st.client.storeConfig(config());
        return st.client.applyConnection(connection, { force: true });
      });
      if ((await memberOf()) !== 0) throw new Error('T3: leave did not revoke');
      leaves.push(l.ms);
      leaveStatements = l.value.plan.statements.length;
    }
    const joinS = series(joins);
    rows.push({
      step: 'user joins group: store → visible (T3)',
      ms: joinS,
      statements: joinStatements,
      target: '1 statement, ≤ 1000 ms',
      verdict: verdict(joinS, { absMs: 1000, extraOk: sqls.length === 1 && joinStatements === 1 }),
    });
    rows.push({ step: 'user leaves group: store + apply', ms: series(leaves), statements: leaveStatements });
    // The same with `sync: false` (apply without the object sync: identities changed, not the catalog).
    const joinsNoSync: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await st.client.storeConfig(config(join3));
      await st.client.applyConnection(connection, { force: true, sync: false });
      while ((await memberOf()) < 2) {
        if (performance.now() - t0 > 10_000) throw new Error('T3: membership not visible after 10 s');
      }
      joinsNoSync.push(performance.now() - t0);
      await st.client.storeConfig(config());
      await st.client.applyConnection(connection, { force: true, sync: false });
    }
    const joinNoSyncS = series(joinsNoSync);
    rows.push({
      step: 'user joins group, apply with sync: false (T3)',
      ms: joinNoSyncS,
      statements: 1,
      target: '1 statement, ≤ 1000 ms',
      verdict: verdict(joinNoSyncS, { absMs: 1000, extraOk: sqls.length === 1 }),
    });
    const jp = (k: keyof (typeof joinParts)[number]): string => median(joinParts.map((x) => x[k])).toFixed(0);
    notes.push(
      `T3 breakdown (medians, ms): storeConfig of the whole file ${jp('store')}; applyConnection ${jp('apply')} = sync ${jp('sync')} + desired ${jp('desired')} + ` +
        `actual ${jp('actual')} + plan ${jp('plan')} + execute ${jp('execute')} + rest (model and objects load, audit, applied-state write).`,
    );

    // ── Remove one table, then add it back (default privileges cover it before any sync).
    const removes: number[] = [];
    const adds: number[] = [];
    let removeStatements = 0;
    let addStatements = 0;
    for (let i = 0; i < 3; i++) {
      await admin.query('DROP TABLE s1.t1');
      const r = await timed(() => st.client.applyConnection(connection, { force: true }));
      removes.push(r.ms);
      removeStatements = r.value.plan.statements.length;
      if (r.value.sync?.removed !== 1) notes.push(`UNEXPECTED: removing s1.t1 synced ${r.value.sync?.removed} removals.`);
      await admin.query(`SET ROLE ${ETL}`);
      await admin.query(createTableSql('s1', 't1'));
      await admin.query('RESET ROLE');
      const a = await timed(() => st.client.applyConnection(connection, { force: true }));
      adds.push(a.ms);
      addStatements = a.value.plan.statements.length;
    }
    rows.push({ step: 'remove one table (DROP s1.t1) + apply', ms: series(removes), statements: removeStatements });
    rows.push({ step: 'add it back (CREATE s1.t1) + apply', ms: series(adds), statements: addStatements });

    // ── Drift: a hand-made GRANT is reverted.
    const drifts: number[] = [];
    let driftSql: string[] = [];
    for (let i = 0; i < 3; i++) {
      await admin.query('GRANT SELECT ON s1.t1 TO u7');
      const r = await timed(() => st.client.applyConnection(connection, { force: true }));
      drifts.push(r.ms);
      driftSql = r.value.plan.statements.map((s) => s.sql);
      if (r.value.plan.driftCount < 1) notes.push('UNEXPECTED: the hand-made grant was not classified as drift.');
    }
    rows.push({ step: 'drift: GRANT SELECT ON s1.t1 TO u7 + apply', ms: series(drifts), statements: driftSql.length });
    notes.push(`Drift plan: \`${driftSql.join('; ')}\`.`);
  } finally {
    await admin.end();
    await st.close();
    removeStoreDir(storeDir);
    await revokeStrayGrants(database, prefix);
    await dropRolesWithPrefix(prefix, database);
  }
  return { scenario: 's1', title: `S1 on PostgreSQL${opts.quick ? ' (quick: 50 tables per schema)' : ''}`, rows, notes };
}
