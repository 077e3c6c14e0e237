/**
 * Secrets fault suite. Every connection gets a password of its own (PostgreSQL and MariaDB
 * system accounts, a weak MariaDB account, a wrong password, passwords in unreachable and
 * malformed URLs). Then every CLI command runs through a server and on a local store, and every
 * API route is called, failing ones included: bad URL, unreachable host, wrong password,
 * duplicate connection, plan and apply errors. No password, nor an API token, may appear in any
 * output, log line, error, audit event, returned URL, argv of a process Steward starts, or file
 * of the data directories (the embedded PGlite store included).
 *
 * PostgreSQL here trusts every local login, so a wrong PostgreSQL password cannot fail: the
 * wrong-password case runs on MariaDB, which checks it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ACCESS } from '../../src/api/route-access.js';
import { buildProgram } from '../../src/cli/program.js';
import { quoteAccount, quoteString } from '../../src/platforms/mysql/quote.js';
import { MARIADB_URL, mariadbAvailable, pgAvailable } from '../helpers/databases.js';
import { dropRolesWithPrefix, pgUrl, withPg } from '../helpers/pg-admin.js';
import { RECORDER, leafCommands, startServe, steward, type Run, type Served } from '../helpers/steward-process.js';

const DB = 'api_sec_db';
const PG_SYS = 'api_sec_sys';
const PG_ALICE = 'api_sec_alice';
const MY_SYS = 'api_sec_sys';
const MY_WEAK = 'api_sec_weak';
const MY_BOB = 'api_sec_bob';

/** A password with a character URLs must escape; its random core is what the scans look for. */
function secret(label: string): { password: string; core: string } {
  const core = randomBytes(12).toString('hex');
  return { password: `${label}#S3c/${core}`, core };
}

const S = {
  pg: secret('Pg'),
  my: secret('My'),
  weak: secret('Weak'),
  wrong: secret('Wrong'),
  unreachable: secret('Gone'),
  malformed: secret('Bad'),
  hostile: secret('Hostile'),
};
const ADMIN_TOKEN = `stw_${randomBytes(32).toString('base64url')}`;
const madeTokens: string[] = [];

const myBase = new URL(MARIADB_URL);
function myUrl(user: string, password: string, database = DB): string {
  const u = new URL(`mysql://${myBase.host}/${database}`);
  u.username = user;
  u.password = password;
  return u.toString();
}
const URLS = {
  pg: pgUrl(DB, PG_SYS, S.pg.password),
  my: myUrl(MY_SYS, S.my.password),
  weak: myUrl(MY_WEAK, S.weak.password),
  wrong: myUrl(MY_SYS, S.wrong.password),
  unreachable: pgUrl(DB, PG_SYS, S.unreachable.password).replace(/@[^/]+\//, '@127.0.0.1:1/'),
  malformed: `postgres://${PG_SYS}:${encodeURIComponent(S.malformed.password)}@127.0.0.1:notaport/${DB}`,
  // Not encoded at all: "#", "/" and "@" inside the password.
  hostile: `mysql://${MY_SYS}:${S.hostile.password}@x@127.0.0.1:3306/${DB}`,
};

const work = mkdtempSync(join(tmpdir(), 'steward-api-secrets-'));
const serverDir = join(work, 'server');
const localDir = join(work, 'local');
const spawnLog = join(work, 'spawns.jsonl');
/** Everything Steward said, wherever it said it. */
const seen: { where: string; text: string }[] = [];


function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

async function mariadb(sql: string): Promise<void> {
  const c = await mysql.createConnection({ uri: MARIADB_URL, multipleStatements: true });
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const yaml = (conn: string, type: string, urlVar: string, protect: string, extra = '', ignore: readonly string[] = []) => `
connections:
  ${conn}:
    type: ${type}
    url: \${${urlVar}}
    databases: [${DB}]
    protect: ["${protect}"]${ignore.length > 0 ? `\n    ignoreGrantees: [${ignore.join(', ')}]` : ''}
${extra}`;

const POLICIES = `
policies:
  - name: readers
    type: subscription
    access: read
    to: { groups: [readers] }
    on: { tags: [sales] }
`;

describe.skipIf(!pgAvailable || !mariadbAvailable)('secrets fault suite', () => {
  let served: Served;
  const ranThroughServer = new Set<string>();
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    STEWARD_MASTER_KEY: '',
    STEWARD_TEST_SPAWN_LOG: spawnLog,
    SEC_PG_URL: URLS.pg,
    SEC_MY_URL: URLS.my,
    SEC_WEAK_URL: URLS.weak,
    SEC_WRONG_URL: URLS.wrong,
    SEC_GONE_URL: URLS.unreachable,
    ...extra,
  });
  const files: Record<string, string> = {};

  async function record(where: string, r: Run): Promise<Run> {
    seen.push({ where: `${where} (stdout)`, text: r.stdout }, { where: `${where} (stderr)`, text: r.stderr });
    return r;
  }
  /** A command through the server. */
  async function remote(name: string, args: readonly string[], expectCode?: number): Promise<Run> {
    ranThroughServer.add(name);
    const r = await record(`remote: steward ${name}`, await steward(args, env({ STEWARD_SERVER: served.url, STEWARD_TOKEN: ADMIN_TOKEN, STEWARD_DATA_DIR: join(work, 'unused') })));
    if (expectCode !== undefined) expect(r.code, `steward ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(expectCode);
    return r;
  }
  /** A command on the local store. */
  async function local(name: string, args: readonly string[], expectCode?: number): Promise<Run> {
    const r = await record(`local: steward ${name}`, await steward(['--data-dir', localDir, ...args], env()));
    if (expectCode !== undefined) expect(r.code, `steward ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(expectCode);
    return r;
  }
  async function api(method: string, path: string, body?: unknown, raw?: string): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
    if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${served.url}${path}`, { method, headers, ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    seen.push({ where: `api: ${method} ${path} → ${res.status}`, text: `${JSON.stringify([...res.headers])}\n${text}` });
    return { status: res.status, text };
  }

  beforeAll(async () => {
    await dropRolesWithPrefix('steward_api_sec_');
    await withPg(pgUrl('postgres'), async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
      for (const r of [PG_SYS, PG_ALICE]) await c.query(`DROP ROLE IF EXISTS ${r}`);
      await c.query(`CREATE ROLE ${PG_SYS} LOGIN CREATEROLE PASSWORD '${S.pg.password.replace(/'/g, "''")}'`);
      await c.query(`CREATE ROLE ${PG_ALICE} LOGIN PASSWORD 'pw'`);
      await c.query(`CREATE DATABASE ${DB} OWNER ${PG_SYS}`);
    });
    await withPg(pgUrl(DB, PG_SYS), (c) => c.query('CREATE TABLE orders (id int); CREATE TABLE customers (id int)'));
    const accounts = [MY_SYS, MY_WEAK, MY_BOB].map((u) => quoteAccount(u, '%')).join(', ');
    await mariadb(`
      DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB};
      CREATE TABLE ${DB}.orders (id int); CREATE TABLE ${DB}.customers (id int);
      DROP USER IF EXISTS ${accounts};
      CREATE USER ${quoteAccount(MY_SYS, '%')} IDENTIFIED BY ${quoteString(S.my.password)};
      GRANT ALL PRIVILEGES ON *.* TO ${quoteAccount(MY_SYS, '%')} WITH GRANT OPTION;
      CREATE USER ${quoteAccount(MY_WEAK, '%')} IDENTIFIED BY ${quoteString(S.weak.password)};
      GRANT SELECT ON ${DB}.* TO ${quoteAccount(MY_WEAK, '%')};
      GRANT SELECT ON mysql.* TO ${quoteAccount(MY_WEAK, '%')};
      CREATE USER ${quoteAccount(MY_BOB, '%')} IDENTIFIED BY 'pw';
    `);
    const write = (name: string, text: string): void => {
      files[name] = join(work, name);
      writeFileSync(files[name], text);
    };
    write('pg.yaml', yaml('api_sec_pg', 'postgres', 'SEC_PG_URL', `api_sec_pg/${DB}/public/*`, `groups: [readers]\nusers:\n  alice: { groups: [readers], principals: { api_sec_pg: ${PG_ALICE} } }\ntags:\n  api_sec_pg/${DB}/public/orders: [sales]\n${POLICIES}`));
    write('my.yaml', yaml('api_sec_my', 'mariadb', 'SEC_MY_URL', `api_sec_my/${DB}/*`, `groups: [readers]\nusers:\n  bob: { groups: [readers], principals: { api_sec_my: ${MY_BOB} } }\ntags:\n  api_sec_my/${DB}/orders: [sales]\n${POLICIES}`, [MY_WEAK]));
    write('weak.yaml', yaml('api_sec_weak', 'mariadb', 'SEC_WEAK_URL', `api_sec_weak/${DB}/*`, `groups: [readers]\nusers:\n  bob: { groups: [readers], principals: { api_sec_weak: ${MY_BOB} } }\ntags:\n  api_sec_weak/${DB}/orders: [sales]\n${POLICIES}`));
    write('wrong.yaml', yaml('api_sec_wrong', 'mariadb', 'SEC_WRONG_URL', `api_sec_wrong/${DB}/*`));
    write('gone.yaml', yaml('api_sec_gone', 'postgres', 'SEC_GONE_URL', `api_sec_gone/${DB}/public/*`));
    write('policy.yaml', 'name: scratch\ntype: subscription\naccess: read\nto: { groups: [readers] }\non: { tags: [misc] }\n');
    served = await startServe(['--data-dir', serverDir, '--allow-private-webhooks'], env({ STEWARD_ADMIN_TOKEN: ADMIN_TOKEN }));
  });

  afterAll(async () => {
    await served?.stop();
    rmSync(work, { recursive: true, force: true });
    await dropRolesWithPrefix('steward_api_sec_');
    await withPg(pgUrl('postgres'), async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
      for (const r of [PG_SYS, PG_ALICE]) await c.query(`DROP ROLE IF EXISTS ${r}`);
    });
    const c = await mysql.createConnection({ uri: MARIADB_URL });
    try {
      const [rows] = await c.query<mysql.RowDataPacket[]>(
        "SELECT User AS u, Host AS h, is_role AS r FROM mysql.user WHERE User LIKE 'steward\\_api\\_sec\\_%' OR User LIKE 'api\\_sec\\_%'",
      );
      for (const r of rows) await c.query(r.r === 'Y' ? `DROP ROLE ${quoteString(r.u as string)}` : `DROP USER ${quoteAccount(r.u as string, r.h as string)}`);
      await c.query(`DROP DATABASE IF EXISTS ${DB}`);
    } finally {
      await c.end();
    }
  });

  it('can see what a Steward process would put on a command line', async () => {
    // The recorder itself, in a process preloaded as Steward's are: a spawn is seen with its argv.
    const marker = `marker-${randomBytes(4).toString('hex')}`;
    const script = join(work, 'spawns-something.ts');
    writeFileSync(script, `import { execFileSync } from 'node:child_process';\nexecFileSync('true', ['${marker}']);\n`);
    const r = await new Promise<number | null>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', '--import', RECORDER, script], { env: env() }, (err) => resolve(err ? 1 : 0));
    });
    expect(r).toBe(0);
    const lines = readFileSync(spawnLog, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1]!)).toMatchObject({ fn: 'execFileSync', argv: ['true', marker] });
  });

  it('every CLI command through the server, the failing ones included', async () => {
    // Register: good ones, a duplicate, a wrong password, an unreachable host, malformed URLs.
    await remote('connection add', ['connection', 'add', 'api_sec_pg', '--type', 'postgres', '--url', URLS.pg, '--database', DB, '--protect', `api_sec_pg/${DB}/public/*`], 0);
    await remote('connection add', ['connection', 'add', 'api_sec_pg', '--type', 'postgres', '--url', URLS.pg], 1);
    // The weak account reads the same database: to this connection it is another tool's account,
    // whose grants must survive its reconciles (the server runs one as soon as it is added).
    await remote('connection add', ['connection', 'add', 'api_sec_my', '--type', 'mariadb', '--url', URLS.my, '--database', DB, '--protect', `api_sec_my/${DB}/*`, '--ignore-grantee', MY_WEAK], 0);
    expect((await remote('connection add', ['connection', 'add', 'api_sec_wrong', '--type', 'mariadb', '--url', URLS.wrong], 1)).stderr).toMatch(/denied/i);
    await remote('connection add', ['connection', 'add', 'api_sec_gone', '--type', 'postgres', '--url', URLS.unreachable], 1);
    await remote('connection add', ['connection', 'add', 'api_sec_bad', '--type', 'postgres', '--url', URLS.malformed], 1);
    await remote('connection add', ['connection', 'add', 'api_sec_bad', '--type', 'mysql', '--url', URLS.hostile], 1);
    await remote('connection add', ['connection', 'add', 'api_sec_weak', '--type', 'mariadb', '--url', URLS.weak, '--database', DB], 0);
    const list = JSON.parse((await remote('connection list', ['--json', 'connection', 'list'], 0)).stdout) as { url: string }[];
    expect(list.map((c) => c.url).every((u) => u.includes(':***@'))).toBe(true);
    for (const c of ['api_sec_pg', 'api_sec_my', 'api_sec_weak', 'api_sec_nope']) await remote('connection check', ['connection', 'check', c]);
    await remote('sync', ['sync'], 0);
    await remote('catalog', ['catalog', `api_sec_pg/${DB}/public`], 0);
    await remote('catalog', ['catalog', '--search', 'orders'], 0);

    await remote('group add', ['group', 'add', 'readers'], 0);
    await remote('group list', ['group', 'list'], 0);
    await remote('user put', ['user', 'put', 'carl', '--group', 'readers'], 0);
    await remote('user list', ['user', 'list'], 0);
    await remote('tag add', ['tag', 'add', `api_sec_pg/${DB}/public/customers`, 'misc'], 0);
    await remote('policy put', ['policy', 'put', '-f', files['policy.yaml']!], 0);
    await remote('policy list', ['policy', 'list'], 0);
    await remote('tag list', ['tag', 'list'], 0);
    await remote('owner add', ['owner', 'add', 'carl', 'api_sec_pg'], 0);
    await remote('owner list', ['owner', 'list'], 0);
    const made = await remote('token create', ['--json', 'token', 'create', 'sec-viewer', '--role', 'viewer'], 0);
    madeTokens.push((JSON.parse(made.stdout) as { token: string }).token);
    await remote('token create', ['token', 'create', 'sec-viewer', '--role', 'viewer'], 1);
    await remote('token list', ['token', 'list'], 0);

    // Plan and apply: working connections, a failing apply (weak account), unreachable and wrong-password files.
    await remote('plan', ['plan', '-f', files['pg.yaml']!], 0);
    await remote('plan', ['plan', '-f', files['gone.yaml']!], 1);
    await remote('plan', ['plan', '-f', files['wrong.yaml']!], 1);
    expect(JSON.parse((await remote('apply', ['--json', 'apply', '-f', files['pg.yaml']!, '--yes'], 0)).stdout).connections[0].status).toBe('applied');
    expect(JSON.parse((await remote('apply', ['--json', 'apply', '-f', files['my.yaml']!, '--yes'], 0)).stdout).connections[0].status).toBe('applied');
    // The weak account may read but not grant: its apply fails on the first GRANT, said plainly.
    const weak = await remote('apply', ['--json', 'apply', '-f', files['weak.yaml']!, '--yes'], 1);
    expect(JSON.parse(weak.stdout).connections?.[0], weak.stdout).toMatchObject({ status: 'failed', error: expect.stringMatching(/denied/i) as unknown });
    await remote('apply', ['apply', '-f', files['gone.yaml']!, '--yes'], 1);
    await remote('apply', ['apply', '-f', files['wrong.yaml']!, '--yes'], 1);
    await remote('status', ['status'], 0);
    await remote('explain', ['explain', 'alice', `api_sec_pg/${DB}/public/orders`], 0);
    await remote('who-can', ['who-can', `api_sec_my/${DB}/orders`], 0);
    await remote('audit', ['audit', '--limit', '1000'], 0);
    const events = JSON.parse((await remote('audit', ['--json', 'audit', '--limit', '1000'], 0)).stdout) as { id: number }[];
    expect(events.length).toBeGreaterThan(30);
    await remote('audit', ['--json', 'audit', String(events[events.length - 1]!.id)], 0);

    await remote('token revoke', ['token', 'revoke', 'sec-viewer'], 0);
    await remote('owner remove', ['owner', 'remove', 'carl', 'api_sec_pg'], 0);
    await remote('tag remove', ['tag', 'remove', `api_sec_pg/${DB}/public/customers`, 'misc'], 0);
    await remote('policy remove', ['policy', 'remove', 'scratch'], 0);
    await remote('user remove', ['user', 'remove', 'carl'], 0);
    await remote('group remove', ['group', 'remove', 'nosuch'], 1);
    await remote('connection remove', ['connection', 'remove', 'api_sec_weak'], 0);
    await remote('schema', ['schema'], 0);
    // Webhooks, whose signing secrets are shown once, by add and rotate.
    const hook = JSON.parse((await remote('webhook add', ['--json', 'webhook', 'add', 'http://127.0.0.1:9/steward-hook', '--event', '*'], 0)).stdout) as { id: string };
    await remote('webhook add', ['webhook', 'add', 'http://127.0.0.1:9/steward-hook', '--event', 'nosuch.event'], 1);
    await remote('webhook list', ['webhook', 'list'], 0);
    await remote('webhook rotate', ['webhook', 'rotate', hook.id, '--grace', '1h'], 0);
    await remote('webhook deliveries', ['webhook', 'deliveries', hook.id], 0);
    await remote('webhook redeliver', ['webhook', 'redeliver', hook.id, 'nosuch'], 1);
    await remote('webhook enable', ['webhook', 'enable', hook.id], 0);
    await remote('webhook remove', ['webhook', 'remove', hook.id], 0);
    expect(leafCommands(buildProgram()).filter((c) => c !== 'serve' && !ranThroughServer.has(c))).toEqual([]);
  });

  it('every API route, the failing ones included', async () => {
    // Deletes aim at nothing, so that the connection stays for what follows.
    const fill = (method: string, url: string): string => url.replace(':name', method === 'DELETE' ? 'api_sec_nope' : 'api_sec_pg').replace(':id', '1');
    for (const key of Object.keys(ROUTE_ACCESS)) {
      const [method, url] = key.split(' ') as [string, string];
      await api(method, fill(method, url), method === 'POST' || method === 'PUT' ? {} : undefined);
    }
    // Bodies that carry passwords, on every route that takes a URL.
    expect((await api('POST', '/api/v1/connections', { name: 'api_sec_api', type: 'postgres', url: URLS.unreachable })).status).toBe(502);
    expect((await api('POST', '/api/v1/connections', { name: 'api_sec_api', type: 'mariadb', url: URLS.wrong })).status).toBe(502);
    expect((await api('POST', '/api/v1/connections', { name: 'api_sec_api', type: 'postgres', url: URLS.malformed })).status).toBe(400);
    expect((await api('POST', '/api/v1/connections', { name: 'api_sec_pg', type: 'postgres', url: URLS.pg })).status).toBe(409);
    expect((await api('POST', '/api/v1/connections', { name: 'Api Sec', type: 'postgres', url: URLS.pg })).status).toBe(400);
    expect((await api('POST', '/api/v1/connections', undefined, `{"name":"x","type":"postgres","url":"${URLS.pg}", oops`)).status).toBe(400);
    const gone = { connections: { api_sec_gone: { type: 'postgres', url: URLS.unreachable } } };
    const wrong = { connections: { api_sec_wrong: { type: 'mariadb', url: URLS.wrong } } };
    expect((await api('POST', '/api/v1/plan', { config: gone })).status).toBe(502);
    expect((await api('POST', '/api/v1/plan', { config: wrong })).status).toBe(502);
    expect((await api('POST', '/api/v1/config', { config: gone })).status).toBe(502);
    expect((await api('POST', '/api/v1/config', { config: { connections: { api_sec_bad: { type: 'postgres', url: URLS.malformed } } } })).status).toBe(400);
    expect((await api('POST', '/api/v1/apply', { config: wrong })).status).toBe(502);
    expect((await api('POST', '/api/v1/apply', { config: { connections: { api_sec_bad: { type: 'mysql', url: URLS.hostile } } } })).status).toBe(400);
    expect((await api('POST', '/api/v1/connections/api_sec_my/apply', { force: true })).status).toBe(200);
    expect((await api('GET', '/api/v1/connections/api_sec_pg')).text).toContain(':***@');
    // Every audit event in full.
    const list = JSON.parse((await api('GET', '/api/v1/audit?limit=1000')).text) as { id: number }[];
    for (const e of list) expect((await api('GET', `/api/v1/audit/${e.id}`)).status).toBe(200);
    expect(list.some((e) => (e as unknown as { outcome: string }).outcome === 'error')).toBe(true);
  });

  it('the CLI on a local store, the failing ones included', async () => {
    await local('connection add', ['connection', 'add', 'api_sec_pg', '--type', 'postgres', '--url', URLS.pg, '--database', DB, '--protect', `api_sec_pg/${DB}/public/*`], 0);
    await local('connection add', ['connection', 'add', 'api_sec_pg', '--type', 'postgres', '--url', URLS.pg], 1);
    await local('connection add', ['connection', 'add', 'api_sec_wrong', '--type', 'mariadb', '--url', URLS.wrong], 1);
    await local('connection add', ['connection', 'add', 'api_sec_gone', '--type', 'postgres', '--url', URLS.unreachable], 1);
    await local('connection add', ['connection', 'add', 'api_sec_bad', '--type', 'postgres', '--url', URLS.malformed], 1);
    await local('connection add', ['connection', 'add', 'api_sec_bad', '--type', 'mysql', '--url', URLS.hostile], 1);
    await local('connection list', ['connection', 'list'], 0);
    await local('connection check', ['connection', 'check', 'api_sec_pg']);
    await local('sync', ['sync'], 0);
    await local('plan', ['plan', '-f', files['weak.yaml']!], 0);
    await local('plan', ['plan', '-f', files['gone.yaml']!], 1);
    await local('apply', ['apply', '-f', files['weak.yaml']!, '--yes'], 1);
    await local('apply', ['apply', '-f', files['wrong.yaml']!, '--yes'], 1);
    await local('token create', ['token', 'create', 'local-admin', '--role', 'admin'], 0);
    madeTokens.push(/stw_[A-Za-z0-9_-]+/.exec(seen[seen.length - 2]!.text)![0]);
    await local('status', ['status'], 0);
    await local('audit', ['--json', 'audit', '--limit', '1000'], 0);
    await local('connection remove', ['connection', 'remove', 'api_sec_pg'], 1);
    await local('connection remove', ['connection', 'remove', 'api_sec_pg', '--revoke'], 0);
  });

  it('left no secret in any output, log line, error, audit event, returned URL, argv or store file', async () => {
    await served.stop();
    const { stdout, stderr } = served.output();
    seen.push({ where: 'server stdout', text: stdout }, { where: 'server stderr', text: stderr });
    // The server's log is JSON lines, and it logged the failures it answered with a 5xx.
    const log = served.logLines();
    expect(log.filter((l) => l.msg === 'request').length).toBeGreaterThan(seen.filter((x) => x.where.startsWith('api:')).length);
    expect(log.filter((l) => l.msg === 'request failed').length).toBeGreaterThan(3);

    const spawned = existsSync(spawnLog) ? readFileSync(spawnLog, 'utf8') : '';
    seen.push({ where: 'argv of processes Steward started', text: spawned });
    const stored = [...filesUnder(serverDir), ...filesUnder(localDir)];
    expect(stored.length).toBeGreaterThan(50);
    expect(stored.some((f) => f.includes('/store/'))).toBe(true);

    const leaks: string[] = [];
    for (const [name, s] of Object.entries(S)) {
      for (const { where, text } of seen) if (text.includes(s.core)) leaks.push(`${name} password in ${where}`);
      for (const f of stored) if (readFileSync(f).includes(s.core)) leaks.push(`${name} password in ${f}`);
    }
    // Tokens: in no log, audit event or file; a made token appears only in the answer that made it.
    for (const t of [ADMIN_TOKEN, ...madeTokens]) {
      const places = seen.filter(({ text }) => text.includes(t)).map((x) => x.where);
      if (places.some((w) => !w.includes('token create'))) leaks.push(`token in ${places.join(', ')}`);
      for (const f of stored) if (readFileSync(f).includes(t)) leaks.push(`token in ${f}`);
    }
    expect(leaks).toEqual([]);
    // What was scanned is what the suite says it scanned.
    expect(seen.filter((x) => x.where.startsWith('api:')).length).toBeGreaterThan(Object.keys(ROUTE_ACCESS).length);
    expect(seen.filter((x) => x.where.startsWith('remote:')).length).toBeGreaterThan(2 * 50);
    expect(seen.filter((x) => x.where.startsWith('local:')).length).toBeGreaterThan(2 * 15);
  });
});
