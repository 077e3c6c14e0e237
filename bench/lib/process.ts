/**
 * Whole processes as users run them: `node dist/cli/main.js …` timed from spawn to exit. Peak
 * RSS is the child's own VmHWM and CPU its user + system time, both written at exit by a probe
 * preloaded with `--import data:…` (the measured program is unchanged). Not `ru_maxrss`: Linux
 * carries it across fork and exec, so a child would report its parent's peak when that is higher.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './child.js';

export const ROOT = join(BENCH_DIR, '..');
export const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

/** Writes `<VmHWM kB> <cpu µs>` to $STEWARD_BENCH_PROBE at exit. */
export const PROBE = `data:text/javascript,${encodeURIComponent(
  "import{readFileSync,writeFileSync}from'node:fs';process.on('exit',()=>{try{const m=/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status','utf8'));const c=process.cpuUsage();writeFileSync(process.env.STEWARD_BENCH_PROBE,`${m[1]} ${c.user+c.system}`)}catch{}})",
)}`;

export interface ProcessRun {
  readonly ms: number;
  readonly rssMb: number;
  readonly cpuMs: number;
  readonly stdout: string;
}

/** Run `node <args>` in the project root; rejects on a non-zero exit (with the end of stderr). */
export async function measureProcess(args: readonly string[], probeFile: string, env: Record<string, string> = {}): Promise<ProcessRun> {
  rmSync(probeFile, { force: true });
  const t0 = performance.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', PROBE, ...args], {
      cwd: ROOT,
      env: { ...process.env, STEWARD_BENCH_PROBE: probeFile, STEWARD_MASTER_KEY: '', STEWARD_DATABASE_URL: '', STEWARD_SERVER: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-500)}`))));
  });
  const ms = performance.now() - t0;
  const [hwm, cpu] = readFileSync(probeFile, 'utf8').split(' ').map(Number);
  return { ms, rssMb: hwm! / 1024, cpuMs: cpu! / 1000, stdout };
}
