/**
 * The CLI as an operator meets it: bad arguments get one line naming the field and a hint (never
 * raw SQL or Node errors), secrets stay out of argv (--url-env, --url -), a failed sync shows in
 * `status`, and a TLS URL leaves no driver warning on the terminal. Names start with `ops_`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgAvailable } from '../helpers/databases.js';
import { cliCommand, runCli } from '../helpers/cli.js';
import { freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';
import { makeCertificate, startTlsProxy } from '../helpers/pg-tls-proxy.js';
import { PG_URL } from '../helpers/databases.js';

const dataDir = mkdtempSync(join(tmpdir(), 'steward-ops-cli-'));
const steward = (...args: string[]) => runCli(['--data-dir', dataDir, ...args]);
const ONE_ERROR = /^error: [^\n]+\nhint: [^\n]+\n$/;

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('bad CLI arguments: one line naming the field, and a hint', () => {
  it.each([
    [['audit', 'abc'], 'error: id: "abc" is not an audit event id (a positive whole number)\n'],
    [['audit', '-1'], null],
    [['audit', '--limit', '-5'], 'error: --limit: "-5" is not a positive whole number up to 1000\n'],
    [['audit', '--limit', '1.5'], 'error: --limit: "1.5" is not a positive whole number up to 1000\n'],
    [['audit', '--limit', '1e3'], 'error: --limit: "1e3" is not a positive whole number up to 1000\n'],
    [['catalog', '--limit', '0'], 'error: --limit: "0" is not a positive whole number up to 1000\n'],
    [['catalog', '--limit', 'ten'], 'error: --limit: "ten" is not a positive whole number up to 1000\n'],
  ])('steward %s', async (args, first) => {
    const r = await steward(...args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    if (first !== null) expect(r.stderr.split('\n')[0] + '\n').toBe(first);
    expect(r.stderr).toMatch(/^error: [^\n]+\n(hint: [^\n]+\n)?$/);
  });

  it('refuses an unknown principal-template placeholder in `connection add`', async () => {
    const r = await steward('connection', 'add', 'ops_tpl', '--type', 'postgres', '--url', 'postgres://u@127.0.0.1:1/db', '--principal-template', '{usr}', '--no-verify');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: principalTemplate: unknown placeholder {usr} in "{usr}" (connection "ops_tpl")\nhint: use {user}, {email}, {email.local} with any fixed text, e.g. "{email.local}" or "app_{user}"\n',
    );
    const unbalanced = await steward('connection', 'add', 'ops_tpl', '--type', 'postgres', '--url', 'postgres://u@127.0.0.1:1/db', '--principal-template', '{user', '--no-verify');
    expect(unbalanced.stderr).toMatch(/^error: principalTemplate: unbalanced "\{" or "\}" in "\{user"/);
    expect((await steward('--json', 'connection', 'list')).stdout.trim()).toBe('[]');
  });

  it('refuses a bad connection definition before opening the store: a new data directory stays uncreated', async () => {
    const fresh = join(dataDir, 'never-made');
    const r = await runCli(['--data-dir', fresh, 'connection', 'add', 'Bad-Name', '--type', 'postgres', '--url', 'postgres://u@127.0.0.1:1/db', '--no-verify']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: name: "Bad-Name" is not a valid connection name\nhint: /);
    expect(existsSync(fresh)).toBe(false);
  });

  it('refuses an unknown placeholder in steward.yaml, before anything is stored', async () => {
    const { writeFileSync } = await import('node:fs');
    const file = join(dataDir, 'tpl.yaml');
    writeFileSync(file, 'connections:\n  ops_tpl:\n    type: postgres\n    url: postgres://u@127.0.0.1:1/db\n    principalTemplate: "x_{usr}"\n');
    const r = await steward('plan', '-f', file);
    expect(r.code).toBe(1);
    // Checked with the whole file before anything is stored: file, line and field are named.
    expect(r.stderr).toMatch(/^error: .*tpl\.yaml:5: connections\.ops_tpl\.principalTemplate: unknown placeholder \{usr\} in "x_\{usr\}" \(connection "ops_tpl"\)\nhint: /);
  });

  it('asks for the URL when none is given and there is no terminal to prompt on', async () => {
    const r = await steward('connection', 'add', 'ops_nourl', '--type', 'postgres');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(ONE_ERROR);
    expect(r.stderr).toMatch(/^error: --url: missing\nhint: pass it with --url-env VAR/);
    const both = await steward('connection', 'add', 'ops_nourl', '--type', 'postgres', '--url', 'x', '--url-env', 'X');
    expect(both.stderr).toMatch(/^error: --url: give either --url or --url-env, not both\n/);
    const unset = await steward('connection', 'add', 'ops_nourl', '--type', 'postgres', '--url-env', 'OPS_NOT_SET_ANYWHERE');
    expect(unset.stderr).toMatch(/^error: --url-env: environment variable OPS_NOT_SET_ANYWHERE is not set or empty\n/);
  });

  it('asks for the URL on a terminal without echoing it (a pseudo-terminal from `script`)', async () => {
    const { spawn, execFileSync } = await import('node:child_process');
    try {
      execFileSync('script', ['--version'], { stdio: 'ignore' });
    } catch {
      if (process.env.CI === 'true') throw new Error('CI=true but script(1) is missing');
      console.warn('!! SKIPPING the prompt test: script(1) (util-linux) is not installed');
      return;
    }
    const secret = 'Prompt-Pw-9Z';
    const command = [...cliCommand(), '--data-dir', dataDir, 'connection', 'add', 'ops_prompt', '--type', 'postgres', '--no-verify'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, STEWARD_MASTER_KEY: '' } });
    let seen = '';
    const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
    child.stdout.on('data', (d: Buffer) => {
      const before = seen;
      seen += d.toString();
      // Type only once the prompt is up (raw mode, no echo): typed earlier, the terminal would echo it.
      if (!before.includes('(not echoed): ') && seen.includes('(not echoed): ')) child.stdin.write(`postgres://u:${secret}@127.0.0.1:1/db\r`);
    });
    expect(await done).toBe(0);
    expect(seen).toMatch(/url \(not echoed\): \r?\n/);
    expect(seen).toContain('added connection ops_prompt (postgres postgres://u:***@127.0.0.1:1/db)');
    expect(seen).not.toContain(secret);
    expect((await steward('connection', 'remove', 'ops_prompt')).code).toBe(0);
  });

  it('records a sync that cannot even connect in `status`', async () => {
    expect((await steward('connection', 'add', 'ops_down', '--type', 'postgres', '--url', 'postgres://u:Ops-Down-Pw@127.0.0.1:1/db', '--no-verify')).code).toBe(0);
    const s = await steward('sync', 'ops_down');
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/^syncing ops_down…\nerror: [^\n]*127\.0\.0\.1:1[^\n]*\nhint: /);
    const st = await steward('--json', 'status');
    const row = JSON.parse(st.stdout).find((x: { connection: string }) => x.connection === 'ops_down');
    expect(row.lastSyncError).toMatch(/127\.0\.0\.1:1/);
    expect(st.stdout).not.toContain('Ops-Down-Pw');
    const human = await steward('status');
    expect(human.stdout).toMatch(/ops_down .*127\.0\.0\.1:1/);
    expect((await steward('connection', 'remove', 'ops_down')).code).toBe(0);
  }, 120_000);
});

describe.skipIf(!pgAvailable)('secrets out of argv, TLS without warnings (PostgreSQL)', () => {
  const DB = 'ops_cli_db';
  const ROLE = 'ops_cli_owner';
  const PW = 'Ops-Cli-Pw-42';
  beforeAll(async () => {
    await freshDatabase(DB, [ROLE]);
    await withPg(pgUrl('postgres'), (c) => c.query(`ALTER ROLE ${ROLE} PASSWORD '${PW}'`));
  });
  afterAll(async () => {
    await withPg(pgUrl('postgres'), async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${ROLE}`);
    });
  });

  it('adds a connection from --url-env and from --url - (standard input); the password is in no output', async () => {
    const url = pgUrl(DB, ROLE, PW);
    const a = await runCli(['--data-dir', dataDir, 'connection', 'add', 'ops_env', '--type', 'postgres', '--url-env', 'OPS_WH_URL'], { env: { OPS_WH_URL: url } });
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^added connection ops_env \(postgres postgres:\/\/ops_cli_owner:\*\*\*@127\.0\.0\.1:5432\/ops_cli_db\)\n$/);
    const b = await runCli(['--data-dir', dataDir, 'connection', 'add', 'ops_stdin', '--type', 'postgres', '--url', '-'], { input: `${url}\n` });
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    const list = await steward('connection', 'list');
    expect(list.stdout).toContain('ops_stdin');
    for (const r of [a, b, list]) expect(r.stdout + r.stderr).not.toContain(PW);
    await steward('connection', 'remove', 'ops_env');
    await steward('connection', 'remove', 'ops_stdin');
  });

  it('connects with sslmode=disable, and tries TLS for sslmode=require without a driver warning on the terminal', async () => {
    const plain = await runCli(['--data-dir', dataDir, 'connection', 'add', 'ops_tls', '--type', 'postgres', '--url-env', 'U'], { env: { U: `${pgUrl(DB, ROLE, PW)}?sslmode=disable` } });
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe('');
    await steward('connection', 'remove', 'ops_tls');
    // This server runs without TLS: the attempt fails, and says so in one line.
    const tls = await runCli(['--data-dir', dataDir, 'connection', 'add', 'ops_tls', '--type', 'postgres', '--url-env', 'U'], { env: { U: `${pgUrl(DB, ROLE, PW)}?sslmode=require` } });
    expect(tls.code).toBe(1);
    expect(tls.stderr).toMatch(ONE_ERROR);
    expect(tls.stderr).toMatch(/SSL|TLS/i);
    expect(tls.stderr).not.toMatch(/SECURITY WARNING|Warning:/);
  });

  it('speaks TLS with the semantics each sslmode names, through a TLS front with a self-signed certificate', async () => {
    const files = makeCertificate();
    if (files === null) {
      if (process.env.CI === 'true') throw new Error('CI=true but openssl is missing');
      console.warn('!! SKIPPING the TLS test: openssl is not installed');
      return;
    }
    const target = new URL(PG_URL);
    const proxy = await startTlsProxy({ host: target.hostname, port: Number(target.port || 5432) }, files);
    try {
      const base = `postgres://${ROLE}:${PW}@127.0.0.1:${proxy.port}/${DB}`;
      const add = (name: string, query: string) =>
        runCli(['--data-dir', dataDir, 'connection', 'add', name, '--type', 'postgres', '--url-env', 'U'], { env: { U: `${base}?${query}` } });
      // The front speaks only TLS: a connection that works went through TLS.
      const require = await add('ops_tls_req', 'sslmode=require');
      expect(require.stderr).toBe('');
      expect(require.code).toBe(0);
      const ca = await add('ops_tls_ca', `sslmode=verify-ca&sslrootcert=${files.cert}`);
      expect(ca.stderr).toBe('');
      expect(ca.code).toBe(0);
      // verify-full checks the host name: the certificate is for "localhost", the URL says 127.0.0.1.
      const full = await add('ops_tls_full', `sslmode=verify-full&sslrootcert=${files.cert}`);
      expect(full.code).toBe(1);
      expect(full.stderr).toMatch(/^error: cannot connect to 127\.0\.0\.1:\d+: the server's TLS certificate was not accepted \([^\n]*127\.0\.0\.1[^\n]*\)\nhint: pass the CA/);
      const untrusted = await add('ops_tls_full', 'sslmode=verify-full');
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/TLS certificate was not accepted \(self[- ]signed/);
      for (const r of [require, ca, full, untrusted]) {
        expect(r.stderr).not.toMatch(/SECURITY WARNING|Warning:/);
        expect(r.stdout + r.stderr).not.toContain(PW);
      }
      const listed = await steward('connection', 'list');
      expect(listed.stdout).toMatch(/ops_tls_req +postgres +postgres:\/\/ops_cli_owner:\*\*\*@127\.0\.0\.1:\d+\/ops_cli_db\?sslmode=require/);
    } finally {
      await proxy.close();
      rmSync(files.dir, { recursive: true, force: true });
      await steward('connection', 'remove', 'ops_tls_req');
      await steward('connection', 'remove', 'ops_tls_ca');
    }
  });
});
