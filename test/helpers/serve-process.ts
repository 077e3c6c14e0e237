/**
 * `steward serve` as a real process (node + tsx, like the CLI tests), for tests of the server's
 * background jobs: started on a free port, its stdout parsed for the address and server id,
 * its stderr kept as a log; stopped with SIGTERM, or killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface ServeProcess {
  readonly url: string;
  readonly serverId: string;
  readonly child: ChildProcess;
  /** stdout + stderr so far. */
  log(): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/** `nodeArgs`: options of node itself (e.g. `--cpu-prof`, which NODE_OPTIONS does not take). */
export async function startServe(opts: { env: Record<string, string>; args?: readonly string[]; nodeArgs?: readonly string[]; timeoutMs?: number }): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', MAIN, 'serve', '--port', '0', ...(opts.args ?? [])], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = await new Promise<{ url: string; serverId: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), opts.timeoutMs ?? 60_000);
    const check = (): void => {
      const m = /steward listening on (\S+) .*server ([0-9a-f-]{36})/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, serverId: m[2]! });
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
  return {
    ...started,
    child,
    log: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A JSON call to the API with a bearer token. */
export async function apiCall(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(`${base}${path.startsWith('/metrics') ? '' : '/api/v1'}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** Poll `check` every 100 ms until it holds; fail with `what` after `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
