/**
 * S1-shaped scenario on MariaDB (T8): 10 databases × 500 tables, 30 groups, 200 users; group
 * grpG reads databases bench_my((G+k) mod 10 + 1), k = 0..2, and writes bench_my((G+3) mod 10 + 1).
 * Converge from nothing (floor: the `mariadb` client running the same plan), no-op reconcile
 * (floor: one read of mysql.tables_priv for those databases), one user joins one group, a table
 * created later (covered before any sync?), drift on a table and on a database.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { parseConfig } from '../src/config/load-config.js';
import type { Statement } from '../src/domain/plan.js';
import type { ConvergeResult } from './child/converge.js';
import { escapeDatabasePattern } from '../src/platforms/mysql/database-pattern.js';
import { createTableSql, ensureMariadbS1, myDatabases, revokeStrayGrants } from './fixtures/mariadb-s1.js';
import { WORK_DIR, runChild } from './lib/child.js';
import { MY_BASE, mariadbFile, qi, resetStewardRoles, withMy } from './lib/mariadb.js';
import { planDifference } from './lib/plans.js';
import { log, series, timed, verdict, type Row, type ScenarioResult } from './lib/report.js';
import { CONTAINERS, s1Yaml } from './lib/s1-shape.js';
import { freshStoreDir, openSteward, removeStoreDir, resetPhases, round } from './lib/steward.js';

const median = (xs: readonly number[]): number => series(xs).median;

export async function runS1Mariadb(opts: { quick: boolean }): Promise<ScenarioResult> {
  const tables = opts.quick ? 50 : 500;
  const connection = opts.quick ? 's1my_quick' : 's1my';
  const prefix = `steward_${connection}__`;
  const dbs = myDatabases(opts.quick);
  const url = new URL(MY_BASE);
  const env = { S1MY_URL: `mysql://${url.username || 'root'}@${url.hostname}:${url.port || 3306}/` };
  const yaml = (groupsOverride?: Record<number, number[]>): string =>
    s1Yaml({
      connection,
      type: 'mariadb',
      urlVar: 'S1MY_URL',
      databases: dbs,
      protect: dbs.map((d) => `${connection}/${d}`),
      containerPath: (n) => `${connection}/${dbs[n - 1]!}`,
      ...(groupsOverride ? { groupsOverride } : {}),
    });
  const config = (o?: Record<number, number[]>) => parseConfig(yaml(o), 'steward.yaml', env);
  const rows: Row[] = [];
  const notes: string[] = [];

  const fixture = await ensureMariadbS1(opts.quick, tables, prefix);
  notes.push(
    `Fixture: databases ${dbs[0]}…${dbs[dbs.length - 1]} × ${tables} tables, accounts u1…u200@'%'; ` +
      (fixture.built ? `built in ${(fixture.ms / 1000).toFixed(0)} s.` : 'reused.') +
      (fixture.foreign > 0 ? ` Revoked ${fixture.foreign} grants held on it by others first.` : ''),
  );
  const admin = await mysql.createConnection({ uri: MY_BASE, charset: 'utf8mb4' });
  const st = { current: null as Awaited<ReturnType<typeof openSteward>> | null };
  let storeDir: string | null = null;
  try {
    await resetStewardRoles(admin, prefix);

    // ── Converge from nothing; floor = the mariadb client running the same statements in order.
    const runs = 3;
    const floorRuns = runs;
    const converge: ConvergeResult[] = [];
    const floor: number[] = [];
    const plans: Statement[][] = [];
    const statementsFile = join(WORK_DIR, `${connection}-plan.json`);
    const scriptFile = join(WORK_DIR, `${connection}-plan.sql`);
    for (let i = 0; i < runs; i++) {
      await resetStewardRoles(admin, prefix, { fast: true });
      const dir = await freshStoreDir();
      try {
        const r = await runChild<ConvergeResult>('converge', { storeDir: dir, yaml: yaml(), env, connection, statementsFile });
        if (r.status !== 'applied' || r.failed > 0) throw new Error(`converge ${r.status}: ${r.error ?? ''}`);
        converge.push(r);
        log(`S1 mariadb converge ${i + 1}/${runs}: ${r.applyMs.toFixed(0)} ms, ${r.statements} statements, peak RSS ${r.rss.peak.toFixed(0)} MB`);
      } finally {
        removeStoreDir(dir);
      }
      const statements = JSON.parse(readFileSync(statementsFile, 'utf8')) as Statement[];
      plans.push(statements);
      if (i >= floorRuns) continue;
      writeFileSync(scriptFile, `${statements.map((s) => `${s.sql};`).join('\n')}\n`);
      await resetStewardRoles(admin, prefix, { fast: true });
      const ms = await mariadbFile(scriptFile);
      floor.push(ms);
      log(`S1 mariadb floor ${i + 1}/${runs}: mariadb client ${ms.toFixed(0)} ms`);
    }
    const diff = planDifference(plans);
    if (diff) notes.push(diff);
    const applyS = series(converge.map((r) => r.applyMs));
    const c0 = converge[0]!;
    rows.push({
      step: 'converge from nothing (T8)',
      ms: applyS,
      floor: { name: 'mariadb client runs the plan', ms: series(floor) },
      statements: c0.statements,
      rssMb: series(converge.map((r) => r.rss.peak)).median,
      target: '≤ 3000 ms',
      verdict: verdict(applyS, { absMs: 3000 }),
    });
    const kinds = new Map<string, number>();
    for (const s of JSON.parse(readFileSync(statementsFile, 'utf8')) as Statement[]) {
      const key = s.sql.startsWith('GRANT ') && / ON \S+\.\* /.test(s.sql)
        ? 'GRANT privileges ON db.*'
        : s.sql.startsWith('GRANT ') && s.sql.includes(' ON ')
          ? 'GRANT privileges ON db.table'
          : s.sql.startsWith('GRANT ')
            ? 'GRANT role TO …'
            : (/^(CREATE ROLE|CREATE USER|SET DEFAULT ROLE|REVOKE|DROP ROLE)/.exec(s.sql)?.[1] ?? 'other');
      kinds.set(key, (kinds.get(key) ?? 0) + 1);
    }
    const dec = converge.map((r) => r.statementMsByDecile);
    if (dec[0]!.length > 0) {
      notes.push(
        `Mean ms per statement by tenth of the converge plan (median of runs): ${dec[0]!.map((_, d) => median(dec.map((x) => x[d]!)).toFixed(1)).join(', ')}.`,
      );
    }
    notes.push(`Converge statements by kind: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')} (${CONTAINERS * tables} tables).`);
    const br = (k: (r: ConvergeResult) => number | null | undefined): string => round(median(converge.map((r) => k(r) ?? 0))).toFixed(0);
    notes.push(
      `Converge breakdown (medians, ms): sync ${br((r) => r.syncMs)}, desired ${br((r) => r.timings?.desiredMs)}, actual ${br((r) => r.timings?.actualMs)}, ` +
        `plan/compile ${br((r) => r.timings?.planMs)}, execute ${br((r) => r.phases.execute)}; storeConfig ${br((r) => r.storeMs)} (not included).`,
    );

    // The server is in the state the floor script left; a fresh store must find nothing to do.
    storeDir = await freshStoreDir();
    const s = await openSteward(storeDir);
    st.current = s;
    await s.client.storeConfig(config());
    const first = await s.client.applyConnection(connection, { force: true });
    if (first.status !== 'no-op') notes.push(`UNEXPECTED: after the floor script the first apply was ${first.status} (${first.plan.statements.length} statements).`);

    // ── No-op reconcile without sync; floor = one raw read of the privilege tables the reader
    // reads (table, database-level and role grants), as they stand.
    const noop: number[] = [];
    const privFloor: number[] = [];
    const t: { actual: number; desired: number; plan: number }[] = [];
    let privRows = 0;
    for (let i = 0; i < 7; i++) {
      resetPhases(s.phases);
      const r = await timed(() => s.services.reconcile.apply(connection, () => s.services.config.loadModel(), { actor: 'bench', sync: false }));
      if (r.value.status !== 'no-op') throw new Error(`no-op run was ${r.value.status} (${r.value.plan.statements.length} statements)`);
      noop.push(r.ms);
      t.push({ actual: r.value.plan.timings.actualMs, desired: r.value.plan.timings.desiredMs, plan: r.value.plan.timings.planMs });
      const f = await timed(() =>
        Promise.all([
          admin.query<mysql.RowDataPacket[]>(`SELECT Db, Table_name, User, Host, Table_priv FROM mysql.tables_priv WHERE Db IN (${dbs.map(() => '?').join(', ')})`, dbs),
          admin.query<mysql.RowDataPacket[]>('SELECT Db, User, Host, Select_priv, Insert_priv, Update_priv, Delete_priv FROM mysql.db'),
          admin.query<mysql.RowDataPacket[]>('SELECT Role, User, Host, Admin_option FROM mysql.roles_mapping WHERE LEFT(Role, CHAR_LENGTH(?)) = ?', [prefix, prefix]),
        ]),
      );
      privRows = f.value.reduce((n, [r]) => n + r.length, 0);
      privFloor.push(f.ms);
    }
    rows.push({
      step: 'no-op reconcile, no sync',
      ms: series(noop),
      floor: { name: `privilege tables read (${privRows} rows)`, ms: series(privFloor) },
      statements: 0,
    });
    notes.push(
      `No-op breakdown (medians, ms): desired ${median(t.map((x) => x.desired))}, actual-state read ${median(t.map((x) => x.actual))}, diff ${median(t.map((x) => x.plan))}.`,
    );
    const noopSync: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await timed(() => s.client.applyConnection(connection, { force: true }));
      if (r.value.status !== 'no-op') throw new Error(`no-op apply was ${r.value.status}`);
      noopSync.push(r.ms);
    }
    rows.push({ step: 'no-op apply incl. sync', ms: series(noopSync), statements: 0 });

    // ── One user joins one group: u1 joins grp2.
    const join3 = { 1: [1, 2] };
    const [planned] = await s.client.plan(config(join3));
    const sqls = planned!.statements.map((x) => x.sql);
    notes.push(`One change (u1 joins grp2), ${sqls.length} statement(s): ${sqls.map((x) => `\`${x}\``).join('; ')}.`);
    // Steward roles granted to u1's personal role: 1 before (grp1), 2 once the join is enforced.
    const visible = async (): Promise<number> => {
      const [r] = await admin.query<mysql.RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM mysql.roles_mapping WHERE User = ? AND Host = ? AND LEFT(Role, CHAR_LENGTH(?)) = ?',
        [`${prefix}u_u1`, '', prefix, prefix],
      );
      return Number(r[0]!.n);
    };
    const joins: number[] = [];
    let joinStatements = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await s.client.storeConfig(config(join3));
      const r = await s.client.applyConnection(connection, { force: true });
      while ((await visible()) < 2) {
        if (performance.now() - t0 > 10_000) throw new Error('membership not visible after 10 s');
      }
      joins.push(performance.now() - t0);
      joinStatements = r.plan.statements.length;
      await s.client.storeConfig(config());
      await s.client.applyConnection(connection, { force: true });
    }
    rows.push({
      step: 'user joins group: store → visible (T8)',
      ms: series(joins),
      statements: joinStatements,
      target: '1 statement',
      verdict: joinStatements === 1 ? 'met' : 'MISSED',
    });

    // ── A table created later: u1 (grp1) reads bench_my2, protected whole. Can u1 read a new
    // table there before any sync or apply? Time from CREATE TABLE to u1's first successful read.
    const reader = async (): Promise<mysql.Connection> =>
      mysql.createConnection({ host: url.hostname, port: Number(url.port || 3306), user: 'u1', password: 'pw', database: dbs[1]! });
    const newTable: number[] = [];
    let covered = true;
    for (let i = 0; i < 3; i++) {
      const u1 = await reader();
      try {
        const t0 = performance.now();
        await admin.query(createTableSql(dbs[1]!, 't_new'));
        const ok = await u1.query('SELECT * FROM t_new').then(
          () => true,
          () => false,
        );
        newTable.push(performance.now() - t0);
        covered &&= ok;
      } finally {
        await u1.end();
        await admin.query(`DROP TABLE IF EXISTS ${dbs[1]}.t_new`);
      }
    }
    rows.push({
      step: 'new table readable before any sync (T8)',
      ms: series(newTable),
      statements: 0,
      target: 'covered at once',
      verdict: covered ? 'met' : 'MISSED',
    });

    // ── Drift: a hand-made grant is reverted.
    const drifts: number[] = [];
    let driftSql: string[] = [];
    for (let i = 0; i < 3; i++) {
      await admin.query(`GRANT SELECT ON ${dbs[0]}.t1 TO 'u7'@'%'`);
      const r = await timed(() => s.client.applyConnection(connection, { force: true }));
      drifts.push(r.ms);
      driftSql = r.value.plan.statements.map((x) => x.sql);
    }
    rows.push({ step: `drift: GRANT SELECT ON ${dbs[0]}.t1 TO u7 + apply`, ms: series(drifts), statements: driftSql.length });
    notes.push(`Drift plan: ${driftSql.map((x) => `\`${x}\``).join('; ')}.`);
    // ── Drift on a whole database: a database-level grant to an account (escaped: the exact database).
    const dbDrifts: number[] = [];
    for (let i = 0; i < 3; i++) {
      await admin.query(`GRANT SELECT ON ${qi(escapeDatabasePattern(dbs[0]!))}.* TO 'u7'@'%'`);
      const r = await timed(() => s.client.applyConnection(connection, { force: true }));
      dbDrifts.push(r.ms);
      driftSql = r.value.plan.statements.map((x) => x.sql);
    }
    rows.push({ step: `drift: GRANT SELECT ON ${dbs[0]}.* TO u7 + apply`, ms: series(dbDrifts), statements: driftSql.length });
    notes.push(`Database drift plan: ${driftSql.map((x) => `\`${x}\``).join('; ')}.`);
  } finally {
    await st.current?.close();
    if (storeDir) removeStoreDir(storeDir);
    await revokeStrayGrants(admin, dbs, prefix);
    await resetStewardRoles(admin, prefix);
    await admin.end();
  }
  return { scenario: 'mariadb', title: `S1-shaped on MariaDB${opts.quick ? ' (quick: 50 tables per database)' : ''}`, rows, notes };
}

export { withMy };
