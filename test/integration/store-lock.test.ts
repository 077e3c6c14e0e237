/**
 * One owner of the embedded store, proved with real processes: the CLI beside a running
 * `steward serve`, two CLIs at once, and a lock left by a SIGKILLed process taken over. Also the
 * modes of the data directory, the key and the store files whatever the umask.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliCommand, HOLD_STORE, runCli, tsxCommand, type CliResult } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'steward-ops-lock-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function dataDir(name: string): string {
  return join(root, name);
}

/** Start a long-running process (argv given whole); resolves once `ready` matches its stdout. */
function start(argv: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; stdout: () => string }> {
  const [cmd, ...args] = argv;
  const child = spawn(cmd!, args, { env: { ...process.env, STEWARD_MASTER_KEY: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) resolve({ child, stdout: () => out });
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`exited ${code} before ready: ${err}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

const LOCKED = /^error: the embedded store in .+ is in use by pid (\d+) \((steward [a-z -]+), since \d{4}-\d\d-\d\dT[\d:.]+Z\)\nhint: .*--server .*STEWARD_TOKEN/;

describe('one owner of the embedded store', () => {
  it('refuses the CLI beside a running `steward serve`, naming it, and frees the store when serve stops', async () => {
    const dir = dataDir('serve');
    const { child } = await start([...cliCommand(), '--data-dir', dir, 'serve', '--port', '0'], /listening on/);
    const lock = JSON.parse(readFileSync(join(dir, 'steward.lock'), 'utf8'));
    expect(lock).toMatchObject({ pid: child.pid, host: hostname(), command: 'steward serve' });
    expect(statSync(join(dir, 'steward.lock')).mode & 0o777).toBe(0o600);

    const r = await runCli(['--data-dir', dir, 'connection', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(LOCKED);
    expect(r.stderr).toContain(`pid ${child.pid} (steward serve,`);
    expect(r.stdout).toBe('');
    const j = await runCli(['--data-dir', dir, '--json', 'status']);
    expect(JSON.parse(j.stdout)).toMatchObject({ error: { code: 'locked' } });

    child.kill('SIGTERM');
    await exited(child);
    expect(existsSync(join(dir, 'steward.lock'))).toBe(false);
    const after = await runCli(['--data-dir', dir, 'connection', 'list']);
    expect(after.code).toBe(0);
  });

  it('lets one of two CLIs run at once and refuses the other, naming the first', async () => {
    const dir = dataDir('two');
    const first = await holdStore(dir);
    const second = await runCli(['--data-dir', dir, 'group', 'list']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(LOCKED);
    expect(second.stderr).toContain(`pid ${first.pid} (steward hold,`);
    first.kill('SIGINT');
    await exited(first);
    // Released on SIGINT: the lock file is gone and the next command runs.
    expect(existsSync(join(dir, 'steward.lock'))).toBe(false);
    expect((await runCli(['--data-dir', dir, 'group', 'list'])).code).toBe(0);
  });

  it('takes over a lock left by a SIGKILLed process, and the store still opens', async () => {
    const dir = dataDir('killed');
    expect((await runCli(['--data-dir', dir, 'group', 'add', 'before'])).code).toBe(0);
    const holder = await holdStore(dir);
    holder.kill('SIGKILL');
    await exited(holder);
    const stale = JSON.parse(readFileSync(join(dir, 'steward.lock'), 'utf8'));
    expect(stale.pid).toBe(holder.pid);
    const r = await runCli(['--data-dir', dir, '--json', 'group', 'list']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((g: { name: string }) => g.name)).toEqual(['before']);
    expect(existsSync(join(dir, 'steward.lock'))).toBe(false);
  });

  it('never loses a write when several CLIs race: each runs alone or is refused by the lock', async () => {
    const dir = dataDir('race');
    expect((await runCli(['--data-dir', dir, 'group', 'list'])).code).toBe(0);
    const results = await Promise.all([1, 2, 3, 4].map((i) => runCli(['--data-dir', dir, 'group', 'add', `g${i}`])));
    const added = results.flatMap((r, i) => (r.code === 0 ? [`g${i + 1}`] : []));
    for (const r of results) if (r.code !== 0) expect(r.stderr).toMatch(LOCKED);
    expect(added.length).toBeGreaterThan(0);
    const list = await runCli(['--data-dir', dir, '--json', 'group', 'list']);
    expect(JSON.parse(list.stdout).map((g: { name: string }) => g.name).sort()).toEqual(added);
  });

  it('refuses a lock held by a live process on another host (cannot tell if it is stale)', async () => {
    const dir = dataDir('remote');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'steward.lock'), JSON.stringify({ pid: 1, host: 'elsewhere.example', since: '2026-01-01T00:00:00.000Z', command: 'steward serve' }));
    const r = await runCli(['--data-dir', dir, 'status']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the embedded store in .+ is in use by pid 1 on host elsewhere\.example \(steward serve, since 2026-01-01T00:00:00\.000Z\)\n/);
  });
});

/**
 * A process holding the store open until signalled, through the code path every command uses
 * (openServices), named `steward hold` in the lock: a CLI command that takes its time.
 */
async function holdStore(dir: string): Promise<ChildProcess> {
  const { child } = await start([...tsxCommand(HOLD_STORE), dir], /holding/);
  return child;
}

describe('private files', () => {
  const modes = (dir: string): Set<string> => {
    const out = new Set<string>();
    const walk = (p: string): void => {
      for (const e of readdirSync(p, { withFileTypes: true })) {
        const q = join(p, e.name);
        out.add(`${e.isDirectory() ? 'd' : 'f'}${(statSync(q).mode & 0o777).toString(8)}`);
        if (e.isDirectory()) walk(q);
      }
    };
    walk(dir);
    return out;
  };

  it('makes the data directory 0700 and every file 0600 with umask 000 and a pre-existing 0755 directory', async () => {
    const dir = dataDir('modes');
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    const r: CliResult = await runCli(['--data-dir', dir, 'group', 'add', 'g1'], { umask: 0o000 });
    expect(r.code).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(modes(dir)).toEqual(new Set(['d700', 'f600']));
    // A second command (an existing store) keeps it so.
    expect((await runCli(['--data-dir', dir, 'group', 'list'], { umask: 0o000 })).code).toBe(0);
    expect(modes(dir)).toEqual(new Set(['d700', 'f600']));
  });

  it('names a data directory that is a file, without a raw Node error', async () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await runCli(['--data-dir', file, 'status']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: data directory: ${file} exists and is not a directory\nhint: pass --data-dir (or STEWARD_DATA_DIR) a directory, or a path where one can be created\n`);
    const below = await runCli(['--data-dir', join(file, 'sub'), 'status']);
    expect(below.stderr).toMatch(/^error: data directory: cannot use .*sub \(a parent of it is a file\)\nhint: /);
  });
});
