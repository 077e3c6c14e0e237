/**
 * Steward as a user runs it: `steward serve` as a real process, and CLI commands as real
 * processes, with everything they print kept for the tests to inspect.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Command } from 'commander';

export const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
export const RECORDER = new URL('./record-spawns.ts', import.meta.url).pathname;

/** Node's arguments before the CLI's: tsx, and the spawn recorder when the environment asks for it. */
const nodeArgs = (env: NodeJS.ProcessEnv): string[] => ['--import', 'tsx', ...(env.STEWARD_TEST_SPAWN_LOG ? ['--import', RECORDER] : []), MAIN];

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run one `steward` command; never throws on a non-zero exit. */
export function steward(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...nodeArgs(env), ...args], { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Served {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the server printed so far, stdout and stderr. */
  output(): { stdout: string; stderr: string };
  /** Its JSON log lines (stdout lines that parse as JSON). */
  logLines(): Record<string, unknown>[];
  /** SIGTERM, and wait for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** Start `steward serve --port 0` and wait until it listens. */
export async function startServe(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Served> {
  const child = spawn(process.execPath, [...nodeArgs(env), 'serve', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`steward serve did not start in 60 s:\n${stdout}\n${stderr}`)), 60_000);
    const look = (): void => {
      const m = /steward listening on (http:\/\/[^\s]+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`steward serve exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
  return {
    url,
    process: child,
    output: () => ({ stdout, stderr }),
    logLines: () =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Every leaf command of a CLI program, as typed (`connection add`). */
export function leafCommands(cmd: Command, prefix = ''): string[] {
  return cmd.commands.flatMap((c) => {
    const name = `${prefix}${c.name()}`;
    return c.commands.length > 0 ? leafCommands(c, `${name} `) : [name];
  });
}
