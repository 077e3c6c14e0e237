/**
 * S1 on PostgreSQL as users time it (issue 11, items 1 and 7): whole `steward apply` processes
 * (`node dist/cli/main.js --data-dir D apply -f steward.yaml -y`, the build of this revision),
 * timed from spawn to exit, with CPU time and peak RSS of the child. Steps: converge from a
 * fresh data directory, a no-op, one user joins a group (and leaves again). Floors measured in
 * the same run: `node -e 0` (Node's own start), `psql -f` running the statements of Steward's
 * own plan (as a whole process too), and one `aclexplode` read of the governed tables by psql.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Statement } from '../src/domain/plan.js';
import { ensurePgS1 } from './fixtures/pg-s1.js';
import { WORK_DIR } from './lib/child.js';
import { dropRolesWithPrefix, pgUrl, planScript, psqlFile, vacuumCatalogs } from './lib/pg.js';
import { MAIN, ROOT, measureProcess, type ProcessRun } from './lib/process.js';
import { log, series, verdict, type Row, type ScenarioResult } from './lib/report.js';
import { s1Yaml } from './lib/s1-shape.js';

/** Statements an apply ran, from its text output (`applied, 171/171 statements`, `up to date`). */
function statementsRun(stdout: string): number {
  const m = /(\d+)\/(\d+) statements/.exec(stdout);
  if (m) return Number(m[1]);
  if (/up to date/.test(stdout)) return 0;
  throw new Error(`cannot read the statement count from: ${stdout.slice(0, 300)}`);
}

export async function runS1Cli(opts: { quick: boolean }): Promise<ScenarioResult> {
  const database = opts.quick ? 'bench_s1_quick' : 'bench_s1';
  const connection = opts.quick ? 's1cli_quick' : 's1cli';
  const tables = opts.quick ? 50 : 500;
  const prefix = `steward_${connection}__`;
  const runs = { converge: 3, fast: opts.quick ? 3 : 5 };
  const notes: string[] = [];
  const rows: Row[] = [];

  log('S1 cli: npm run build');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  if (!existsSync(join(ROOT, 'dist', 'store-template', 'PG_VERSION'))) notes.push('WARNING: no store template in dist/: fresh stores ran initdb.');

  const fixture = await ensurePgS1(database, tables, prefix);
  notes.push(`Fixture ${database} ${fixture.built ? `built in ${(fixture.ms / 1000).toFixed(1)} s` : 'reused'}; connection \`${connection}\` (roles \`${prefix}*\`).`);

  const work = join(WORK_DIR, 's1cli');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const probe = join(work, 'probe');
  const env = { S1PG_URL: pgUrl(database) };
  const file = (name: string, override?: Record<number, number[]>): string => {
    const path = join(work, name);
    writeFileSync(
      path,
      s1Yaml({
        connection,
        type: 'postgres',
        urlVar: 'S1PG_URL',
        databases: [database],
        protect: [`${connection}/${database}`],
        containerPath: (n) => `${connection}/${database}/s${n}`,
        ...(override ? { groupsOverride: override } : {}),
      }),
    );
    return path;
  };
  const base = file('steward.yaml');
  const joined = file('steward-join.yaml', { 1: [1, 2] });
  const apply = (dir: string, yaml: string): Promise<ProcessRun> => measureProcess([MAIN, '--data-dir', dir, 'apply', '-f', yaml, '-y'], probe, env);
  const nodeFloor = (): Promise<ProcessRun> => measureProcess(['-e', '0'], probe);
  // The embedded store alone, as the CLI opens it (same V8 flag): open, one read, close. What
  // every command on an embedded store pays before any of Steward's own work.
  const storeOnly = join(work, 'store-only.mjs');
  writeFileSync(
    storeOnly,
    `import { setFlagsFromString } from 'node:v8';\nsetFlagsFromString('--liftoff-only');\n` +
      `const { openPglite } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'store', 'db.js')).href)});\n` +
      `const db = await openPglite(process.argv[2]);\nawait db.query('SELECT count(*) FROM objects');\nawait db.close();\n`,
  );
  const storeFloor = (dir: string): Promise<ProcessRun> => measureProcess([storeOnly, dir], probe);
  const reset = async (): Promise<void> => {
    await dropRolesWithPrefix(prefix, database);
    await vacuumCatalogs(database);
  };

  const floorNode: number[] = [];
  const floorPsql: number[] = [];
  const converge: ProcessRun[] = [];
  let convergeStatements = 0;
  const store = join(work, 'store');
  const scriptFile = join(work, 'plan.sql');
  try {
    // ── converge from a fresh data directory; floor: psql -f running the same plan after a reset.
    for (let i = 0; i < runs.converge; i++) {
      await reset();
      rmSync(store, { recursive: true, force: true });
      floorNode.push((await nodeFloor()).ms);
      const r = await apply(store, base);
      converge.push(r);
      convergeStatements = statementsRun(r.stdout);
      log(`S1 cli converge ${i + 1}/${runs.converge}: ${r.ms.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU, ${r.rssMb.toFixed(0)} MB, ${convergeStatements} statements`);
      // The plan that ran, from its audit event (outside the timed process).
      const audit = /audit event (\d+)/.exec(r.stdout)?.[1];
      if (audit === undefined) throw new Error(`no audit event in: ${r.stdout.slice(0, 300)}`);
      const event = JSON.parse(execFileSync(process.execPath, [MAIN, '--json', '--data-dir', store, 'audit', audit], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, ...env } })) as {
        details?: { plannedStatements?: Statement[] };
      };
      const statements = event.details?.plannedStatements ?? [];
      if (statements.length !== convergeStatements) notes.push(`UNEXPECTED: the audit event lists ${statements.length} planned statements, the apply ran ${convergeStatements}.`);
      writeFileSync(scriptFile, planScript(statements, database));
      if (i < runs.converge - 1) {
        await reset();
        floorPsql.push(await psqlFile(database, scriptFile));
      }
    }
    // The last converge's store stays, on the database it converged.
    const nodeS = (): ReturnType<typeof series> => series(floorNode);
    const psqlS = series(floorPsql);
    const convergeS = series(converge.map((r) => r.ms));
    const cpu = (xs: readonly ProcessRun[]) => series(xs.map((r) => r.cpuMs));
    const rss = (xs: readonly ProcessRun[]) => series(xs.map((r) => r.rssMb)).max;

    // ── no-op and one change on the converged store; floor `node -e 0` interleaved.
    const noop: ProcessRun[] = [];
    const join1: ProcessRun[] = [];
    const leave: ProcessRun[] = [];
    const joinStatements: number[] = [];
    const aclFloor: number[] = [];
    const storeAlone: ProcessRun[] = [];
    const aclSql = join(work, 'acl.sql');
    writeFileSync(
      aclSql,
      `SELECT count(*) FROM (SELECT ns.nspname, c.relname, a.grantee, a.privilege_type
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
WHERE ns.nspname ~ '^s([1-9]|10)$' AND c.relkind IN ('r', 'p', 'v', 'm')) x;\n`,
    );
    for (let i = 0; i < runs.fast; i++) {
      floorNode.push((await nodeFloor()).ms);
      aclFloor.push(await psqlFile(database, aclSql));
      storeAlone.push(await storeFloor(store));
      const n = await apply(store, base);
      if (statementsRun(n.stdout) !== 0) throw new Error(`no-op run ${i + 1} ran statements: ${n.stdout.slice(0, 300)}`);
      noop.push(n);
      const j = await apply(store, joined);
      join1.push(j);
      joinStatements.push(statementsRun(j.stdout));
      const l = await apply(store, base);
      if (statementsRun(l.stdout) !== 1) notes.push(`UNEXPECTED: leaving ran ${statementsRun(l.stdout)} statements.`);
      leave.push(l);
      log(`S1 cli round ${i + 1}/${runs.fast}: no-op ${n.ms.toFixed(0)} ms, join ${j.ms.toFixed(0)} ms, leave ${l.ms.toFixed(0)} ms`);
    }
    // ── the same changes through a running server (`steward serve` on the converged store,
    // the CLI with --server): the client process, and the server's CPU for each request.
    const viaServer = await throughServer(store, env, probe, { base, joined }, runs.fast);
    const floorNodeS = nodeS();
    const noopS = series(noop.map((r) => r.ms));
    const joinS = series(join1.map((r) => r.ms));
    const aclS = series(aclFloor);
    rows.push(
      {
        step: 'converge from a fresh data directory',
        ms: convergeS,
        floor: { name: 'psql -f runs the plan', ms: psqlS },
        cpuMs: cpu(converge),
        statements: convergeStatements,
        rssMb: rss(converge),
        target: '≤ 2000 ms, ≤ 150 MB',
        verdict: verdict(convergeS, { absMs: 2000, extraOk: rss(converge) <= 150 }),
      },
      {
        step: 'no-op',
        ms: noopS,
        floor: { name: 'psql: one aclexplode read', ms: aclS },
        cpuMs: cpu(noop),
        statements: 0,
        rssMb: rss(noop),
        target: '≤ 1000 ms',
        verdict: verdict(noopS, { absMs: 1000 }),
      },
      {
        step: 'one change: u1 joins grp2',
        ms: joinS,
        floor: { name: '`node -e 0`', ms: floorNodeS },
        cpuMs: cpu(join1),
        statements: Math.max(...joinStatements),
        rssMb: rss(join1),
        target: '1 statement, ≤ 1000 ms',
        verdict: verdict(joinS, { absMs: 1000, extraOk: joinStatements.every((s) => s === 1) }),
      },
      { step: 'u1 leaves grp2 again', ms: series(leave.map((r) => r.ms)), floor: { name: '`node -e 0`', ms: floorNodeS }, cpuMs: cpu(leave), statements: 1, rssMb: rss(leave) },
      { step: 'floor: `node -e 0`', ms: floorNodeS },
      ...viaServer.rows,
      { step: 'floor: open the embedded store, one read, close', ms: series(storeAlone.map((r) => r.ms)), cpuMs: cpu(storeAlone), rssMb: rss(storeAlone) },
    );
    notes.push(
      `Whole processes: \`node dist/cli/main.js --data-dir D apply -f steward.yaml -y\`, spawn to exit; CPU is the child's user + system time (median), peak RSS the highest VmHWM over the runs.`,
      `Ratios to the psql floor (same run): converge ${(convergeS.median / psqlS.median).toFixed(2)}×; to \`node -e 0\`: no-op ${(noopS.median / floorNodeS.median).toFixed(1)}×.`,
      `The no-op and the one change run on the store the last converge made; each round runs no-op, join, leave.`,
      ...viaServer.notes,
      `The embedded store alone (PGlite opened as the CLI opens it, one read, closed; no Steward code) took ${series(storeAlone.map((r) => r.ms)).median.toFixed(0)} ms, ${cpu(storeAlone).median.toFixed(0)} ms CPU and ${rss(storeAlone).toFixed(0)} MB: a floor under every command on an embedded store (PGlite 0.5's WebAssembly memory starts at 128 MB).`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
    await dropRolesWithPrefix(prefix, database);
  }
  return { scenario: 's1cli', title: `S1 on PostgreSQL, whole \`steward apply\` processes${opts.quick ? ' (quick)' : ''}`, rows, notes };
}

/** CPU time (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * No-op, join and leave through `steward serve` on the converged store: the CLI process timed
 * as above (it reads the file and sends it), and the server's CPU for each request from /proc.
 */
async function throughServer(
  store: string,
  env: Record<string, string>,
  probe: string,
  files: { base: string; joined: string },
  rounds: number,
): Promise<{ rows: Row[]; notes: string[] }> {
  const token = `stw_bench_${randomBytes(12).toString('hex')}`;
  const port = await new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
  const args = [MAIN, '--data-dir', store, 'serve', '--port', String(port), '--sync-interval', '0', '--drift-interval', '0', '--probe-interval', '0'];
  const server = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env, STEWARD_ADMIN_TOKEN: token, STEWARD_DATABASE_URL: '', STEWARD_MASTER_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  server.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('listening on')) resolve();
      });
      server.on('exit', (code) => reject(new Error(`steward serve exited ${code}: ${err.slice(-400)}`)));
    });
    const pid = server.pid!;
    const clientEnv = { ...env, STEWARD_SERVER: `http://127.0.0.1:${port}`, STEWARD_TOKEN: token };
    const viaServer = async (file: string): Promise<{ run: ProcessRun; serverCpuMs: number }> => {
      const before = processCpuMs(pid);
      const run = await measureProcess([MAIN, 'apply', '-f', file, '-y'], probe, clientEnv);
      return { run, serverCpuMs: processCpuMs(pid) - before };
    };
    // One untimed no-op: the server's first request loads what it loads lazily.
    await viaServer(files.base);
    const noop: { run: ProcessRun; serverCpuMs: number }[] = [];
    const joinR: { run: ProcessRun; serverCpuMs: number }[] = [];
    const leave: { run: ProcessRun; serverCpuMs: number }[] = [];
    for (let i = 0; i < rounds; i++) {
      const n = await viaServer(files.base);
      if (statementsRun(n.run.stdout) !== 0) throw new Error(`no-op through the server ran statements: ${n.run.stdout.slice(0, 300)}`);
      noop.push(n);
      joinR.push(await viaServer(files.joined));
      leave.push(await viaServer(files.base));
      log(`S1 cli through the server ${i + 1}/${rounds}: no-op ${n.run.ms.toFixed(0)} ms, join ${joinR.at(-1)!.run.ms.toFixed(0)} ms, leave ${leave.at(-1)!.run.ms.toFixed(0)} ms`);
    }
    // The same wall-time targets as the commands on an embedded store (no-op, one change ≤ 1 s):
    // with a server running, the CLI process is what a user waits for.
    const row = (step: string, xs: typeof noop, statements: number, target?: { text: string; statements?: number }): Row => {
      const ms = series(xs.map((x) => x.run.ms));
      return {
        step,
        ms,
        cpuMs: series(xs.map((x) => x.run.cpuMs)),
        statements,
        rssMb: series(xs.map((x) => x.run.rssMb)).max,
        ...(target ? { target: target.text, verdict: verdict(ms, { absMs: 1000, extraOk: target.statements === undefined || statements === target.statements }) } : {}),
      };
    };
    const serverCpu = (xs: typeof noop): string => series(xs.map((x) => x.serverCpuMs)).median.toFixed(0);
    return {
      rows: [
        row('no-op through `steward serve` (client process)', noop, 0, { text: '≤ 1000 ms' }),
        row('u1 joins grp2 through the server', joinR, Math.max(...joinR.map((x) => statementsRun(x.run.stdout))), { text: '1 statement, ≤ 1000 ms', statements: 1 }),
        row('u1 leaves grp2 through the server', leave, 1),
      ],
      notes: [
        `Through the server: CPU and peak RSS are the CLI process's; the server's own CPU per request (median, from /proc) was no-op ${serverCpu(noop)} ms, join ${serverCpu(joinR)} ms, leave ${serverCpu(leave)} ms; the server's peak RSS ${peakRssMb(pid).toFixed(0)} MB.`,
      ],
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => (server.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
  }
}
