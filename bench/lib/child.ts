/**
 * Steps whose memory is a target (T4, T6) run in a child process, so that `maxRSS` is the peak
 * of that step alone. The child entry points are bundled once with esbuild (installed with tsx)
 * and run with plain `node`, as `node dist/cli/main.js` would run; `node --import tsx` would add
 * ≈45 MB of loader to every measurement. Without esbuild the children fall back to tsx and say so.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from './report.js';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * Bundles, jobs and plan scripts live outside the source tree (so that lint and typecheck never
 * see them); a `node_modules` symlink there lets the bundles resolve the project's packages.
 */
export const WORK_DIR = join(tmpdir(), `steward-bench-work-${process.getuid?.() ?? 0}`);
const BUILD_DIR = join(WORK_DIR, 'build');
const CHILDREN = ['converge', 'sync'] as const;
export type ChildName = (typeof CHILDREN)[number];

let runner: Promise<{ how: 'node' | 'tsx'; command: (name: ChildName) => string[] }> | null = null;

async function prepare(): Promise<{ how: 'node' | 'tsx'; command: (name: ChildName) => string[] }> {
  try {
    const esbuild = await import('esbuild');
    mkdirSync(BUILD_DIR, { recursive: true });
    const modules = join(BUILD_DIR, 'node_modules');
    if (!existsSync(modules)) symlinkSync(join(BENCH_DIR, '..', 'node_modules'), modules, 'dir');
    await esbuild.build({
      entryPoints: CHILDREN.map((c) => join(BENCH_DIR, 'child', `${c}.ts`)),
      outdir: BUILD_DIR,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
    return { how: 'node', command: (name) => [process.execPath, join(BUILD_DIR, `${name}.mjs`)] };
  } catch (err) {
    log(`esbuild unavailable (${(err as Error).message}); child processes run under tsx, whose loader adds ≈45 MB RSS`);
    return { how: 'tsx', command: (name) => [process.execPath, '--import', 'tsx', join(BENCH_DIR, 'child', `${name}.ts`)] };
  }
}

export async function childRunner(): Promise<'node' | 'tsx'> {
  runner ??= prepare();
  return (await runner).how;
}

/** Run a child with a JSON job; resolves to the JSON it wrote as its result. */
export async function runChild<R>(name: ChildName, job: unknown): Promise<R> {
  runner ??= prepare();
  const { command } = await runner;
  const dir = join(BUILD_DIR, 'jobs');
  mkdirSync(dir, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const jobFile = join(dir, `${stamp}.job.json`);
  const outFile = join(dir, `${stamp}.out.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  // `STEWARD_BENCH_CHILD_ARGS` (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`): node options for the child only.
  const [cmd, ...rest] = command(name);
  const args = [...(process.env.STEWARD_BENCH_CHILD_ARGS?.split(/\s+/).filter(Boolean) ?? []), ...rest];
  try {
    await new Promise<void>((resolve, reject) => {
      const p = spawn(cmd!, [...args, jobFile, outFile], { stdio: ['ignore', 'ignore', 'pipe'], cwd: join(BENCH_DIR, '..') });
      let err = '';
      // `STEWARD_BENCH_CHILD_STDERR=FILE`: the child's whole stderr (e.g. `STEWARD_TRACE_STORE=1` lines) is appended there.
      const keep = process.env.STEWARD_BENCH_CHILD_STDERR;
      p.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.length > 100_000) err = err.slice(-10_000);
        if (keep) appendFileSync(keep, d);
      });
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`child ${name} exited ${code}: ${err.slice(-2000)}`))));
    });
    return JSON.parse(readFileSync(outFile, 'utf8')) as R;
  } finally {
    rmSync(jobFile, { force: true });
    rmSync(outFile, { force: true });
  }
}
