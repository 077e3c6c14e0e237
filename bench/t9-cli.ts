/**
 * T9: the CLI as users feel it (issue 11.5). Whole `node dist/cli/main.js` processes, timed
 * from spawn to exit, against the floor `node -e 0` measured in the same run, runs interleaved.
 * Peak RSS is the child's own VmHWM, written at exit by a preloaded probe (a data: URL, so the
 * measured program is unchanged); CPU time is the child's user + system time at exit.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './lib/child.js';
import { log, series, verdict, type Row, type ScenarioResult, type Series } from './lib/report.js';

const ROOT = join(BENCH_DIR, '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

/** Writes `<VmHWM kB> <cpu µs>` to $STEWARD_BENCH_PROBE at exit (t10 preloads it too). */
export const PROBE = `data:text/javascript,${encodeURIComponent(
  "import{readFileSync,writeFileSync}from'node:fs';process.on('exit',()=>{try{const m=/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status','utf8'));const c=process.cpuUsage();writeFileSync(process.env.STEWARD_BENCH_PROBE,`${m[1]} ${c.user+c.system}`)}catch{}})",
)}`;

interface Run {
  readonly ms: number;
  readonly rssMb: number;
  readonly cpuMs: number;
}

async function measure(args: readonly string[], probeFile: string): Promise<Run> {
  rmSync(probeFile, { force: true });
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', PROBE, ...args], {
      cwd: ROOT,
      env: { ...process.env, STEWARD_BENCH_PROBE: probeFile, STEWARD_MASTER_KEY: '', STEWARD_DATABASE_URL: '', STEWARD_SERVER: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-500)}`))));
  });
  const ms = performance.now() - t0;
  const [hwm, cpu] = readFileSync(probeFile, 'utf8').split(' ').map(Number);
  return { ms, rssMb: hwm! / 1024, cpuMs: cpu! / 1000 };
}

interface Step {
  readonly name: string;
  /** Arguments after `node`; `dir` is a data directory for this run. */
  readonly args: (dir: string) => string[];
  /** A fresh data directory per run (else one shared, existing store). */
  readonly fresh?: boolean;
  readonly target?: { ms: number; rssMb?: number };
}

export async function runT9(opts: { quick: boolean }): Promise<ScenarioResult> {
  const runs = opts.quick ? 5 : 9;
  const notes: string[] = [];
  // Measure the code of this revision, built as `npm start` and the package run it.
  log('T9: npm run build');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  if (!existsSync(join(ROOT, 'dist', 'store-template', 'PG_VERSION'))) notes.push('WARNING: no store template in dist/: fresh stores ran initdb.');

  const work = mkdtempSync(join(tmpdir(), 'steward-bench-t9-'));
  const probe = join(work, 'probe');
  const existing = join(work, 'existing');
  const cli = (dir: string, ...a: string[]): string[] => [MAIN, '--data-dir', dir, ...a];
  const steps: Step[] = [
    { name: '`steward --version`', args: () => [MAIN, '--version'], target: { ms: 300 } },
    { name: '`steward --help`', args: () => [MAIN, '--help'] },
    { name: '`steward schema`', args: () => [MAIN, 'schema'] },
    { name: '`connection list`, existing store', args: (d) => cli(d, 'connection', 'list'), target: { ms: 1000 } },
    { name: '`status`, existing store', args: (d) => cli(d, 'status'), target: { ms: 1000 } },
    { name: '`connection list`, fresh data directory', args: (d) => cli(d, 'connection', 'list'), fresh: true, target: { ms: 2000, rssMb: 300 } },
  ];
  const floor: number[] = [];
  const results = new Map<string, Run[]>(steps.map((s) => [s.name, []]));
  try {
    // The existing store: made once by a first command, then reused by every run.
    await measure(cli(existing, 'group', 'add', 'bench'), probe);
    for (let i = 0; i < runs; i++) {
      floor.push((await measure(['-e', '0'], probe)).ms);
      for (const s of steps) {
        const dir = s.fresh ? join(work, `fresh-${i}`) : existing;
        results.get(s.name)!.push(await measure(s.args(dir), probe));
        if (s.fresh) rmSync(dir, { recursive: true, force: true });
      }
      log(`T9 round ${i + 1}/${runs}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const floorSeries = series(floor);
  const rows: Row[] = steps.map((s) => {
    const r = results.get(s.name)!;
    const ms = series(r.map((x) => x.ms));
    const rss = series(r.map((x) => x.rssMb));
    const cpu: Series = series(r.map((x) => x.cpuMs));
    const t = s.target;
    return {
      step: s.name,
      ms,
      floor: { name: '`node -e 0`', ms: floorSeries },
      rssMb: rss.max,
      cpuMs: cpu,
      ...(t ? { target: `≤ ${t.ms} ms${t.rssMb ? `, ≤ ${t.rssMb} MB` : ''}`, verdict: verdict(ms, { absMs: t.ms, extraOk: t.rssMb === undefined || rss.max <= t.rssMb }) } : {}),
    };
  });
  notes.push(
    `${runs} runs per step, interleaved with the floor; peak RSS is the highest VmHWM over the runs; CPU is user + system time of the child (median).`,
    'The existing store holds one group; `connection list` and `status` open it, migrate nothing, read, close.',
  );
  return { scenario: 't9', title: 'T9 the CLI as users feel it (whole processes)', rows, notes };
}
