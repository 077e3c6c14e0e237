/**
 * The CLI through a running server: `steward serve` as a process on its own data directory,
 * then every command of the CLI as a process with STEWARD_SERVER and STEWARD_TOKEN (and a data
 * directory that cannot be opened, so nothing can quietly use a local store). `apply -f` sends
 * the file; the server stores and enforces it, and the governed user's query proves it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { pgAvailable } from '../helpers/databases.js';
import { asUser, dropRolesWithPrefix, freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';
import { leafCommands, startServe, steward, type Run, type Served } from '../helpers/steward-process.js';

const DB = 'api_cli_db';
const CONN = 'api_cli';
const ALICE = 'api_cli_alice';
const work = mkdtempSync(join(tmpdir(), 'steward-api-cli-'));
const ADMIN_TOKEN = `stw_${randomBytes(32).toString('base64url')}`;
/** A data directory path that is a file: a command opening a local store would fail on it. */
const NOT_A_DIR = join(work, 'not-a-dir');
writeFileSync(NOT_A_DIR, 'this is a file');


describe.skipIf(!pgAvailable)('every CLI command through a running server', () => {
  let served: Served;
  const ran = new Set<string>();
  const env = (token = ADMIN_TOKEN): NodeJS.ProcessEnv => ({
    ...process.env, STEWARD_SERVER: served.url, STEWARD_TOKEN: token, STEWARD_DATA_DIR: NOT_A_DIR, API_CLI_URL: pgUrl(DB),
  });
  /** Run a command through the server; `name` is the command as typed, for the coverage check. */
  async function cli(name: string, args: readonly string[], token?: string): Promise<Run> {
    ran.add(name);
    return steward(args, env(token));
  }
  async function ok(name: string, args: readonly string[]): Promise<string> {
    const r = await cli(name, args);
    expect(r.code, `steward ${args.join(' ')}\n${r.stderr}`).toBe(0);
    return r.stdout;
  }

  beforeAll(async () => {
    await dropRolesWithPrefix(`steward_${CONN}__`);
    await freshDatabase(DB, [ALICE]);
    await withPg(pgUrl(DB), (c) => c.query('CREATE TABLE orders (id int); CREATE TABLE customers (id int); INSERT INTO orders VALUES (1)'));
    served = await startServe(['--data-dir', join(work, 'server')], { ...process.env, STEWARD_ADMIN_TOKEN: ADMIN_TOKEN, STEWARD_MASTER_KEY: '' });
  });

  afterAll(async () => {
    await served?.stop();
    rmSync(work, { recursive: true, force: true });
    await dropRolesWithPrefix(`steward_${CONN}__`);
    await withPg(pgUrl('postgres'), async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${ALICE}`);
    });
  });

  it('registers, inspects and syncs a connection', async () => {
    const protect = `${CONN}/${DB}/public/*`;
    await ok('connection add', ['connection', 'add', CONN, '--type', 'postgres', '--url', pgUrl(DB), '--database', DB, '--protect', protect]);
    expect(JSON.parse(await ok('connection list', ['--json', 'connection', 'list']))[0]).toMatchObject({ name: CONN, source: 'api' });
    const check = await cli('connection check', ['connection', 'check', CONN]);
    expect([0, 3]).toContain(check.code);
    expect(check.stdout).toMatch(/connected as postgres/);
    // The server's own jobs may have synced it first (a new connection is synced at once): the
    // sync answers, and the catalog holds the tables either way.
    expect(JSON.parse(await ok('sync', ['--json', 'sync', CONN]))[0]).toMatchObject({ connection: CONN });
    expect(await ok('catalog', ['catalog', `${CONN}/${DB}/public`])).toMatch(/orders/);
    expect(await ok('catalog', ['catalog', '--search', 'custom'])).toContain(`${CONN}/${DB}/public/customers`);
  });

  it('manages identities, policies, tags, owners and tokens', async () => {
    await ok('group add', ['group', 'add', 'analysts']);
    expect(await ok('group list', ['group', 'list'])).toMatch(/analysts/);
    await ok('user put', ['user', 'put', 'alice', '--group', 'analysts', '--principal', `${CONN}=${ALICE}`]);
    expect(JSON.parse(await ok('user list', ['--json', 'user', 'list']))).toContainEqual(expect.objectContaining({ name: 'alice', groups: ['analysts'] }));
    const policyFile = join(work, 'policy.yaml');
    writeFileSync(policyFile, `name: scratch\ntype: subscription\naccess: read\nto: { groups: [analysts] }\non: { paths: [${CONN}/nothing/here] }\n`);
    await ok('policy put', ['policy', 'put', '-f', policyFile]);
    expect(await ok('policy list', ['policy', 'list'])).toMatch(/scratch/);
    await ok('policy remove', ['policy', 'remove', 'scratch']);
    await ok('tag add', ['tag', 'add', `${CONN}/${DB}/public/orders`, 'sales']);
    expect(await ok('tag list', ['tag', 'list', CONN])).toMatch(/sales/);
    await ok('owner add', ['owner', 'add', 'alice', `${CONN}/${DB}`]);
    expect(JSON.parse(await ok('owner list', ['--json', 'owner', 'list']))).toEqual([{ user: 'alice', path: `${CONN}/${DB}` }]);

    const made = JSON.parse(await ok('token create', ['--json', 'token', 'create', 'api-viewer', '--role', 'viewer', '--expires', '1d']));
    expect(made).toMatchObject({ name: 'api-viewer', role: 'viewer', status: 'active' });
    expect(Date.parse(made.expiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(await ok('token list', ['token', 'list'])).toMatch(/api-viewer\s+viewer/);
    // The viewer reads, and is refused a change with one line naming the role it needs.
    expect((await cli('group list', ['group', 'list'], made.token)).code).toBe(0);
    const refused = await cli('group add', ['group', 'add', 'sneaky'], made.token);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error: role viewer may not call POST /api/v1/groups\nhint: this needs a token with role admin or governor\n');
    await ok('token revoke', ['token', 'revoke', 'api-viewer']);
    const revoked = await cli('group list', ['group', 'list'], made.token);
    expect(revoked.stderr).toMatch(/^error: token "api-viewer" was revoked\n/);
  });

  it('plans and applies a file through the server; the database enforces it', async () => {
    const file = join(work, 'steward.yaml');
    writeFileSync(file, [
      'connections:',
      `  ${CONN}:`,
      '    type: postgres',
      '    url: ${API_CLI_URL}',
      `    databases: [${DB}]`,
      `    protect: ["${CONN}/${DB}/public/*", "${CONN}/${DB}/nosuch/*"]`,
      'policies:',
      '  - name: analysts-read-sales',
      '    type: subscription',
      '    access: read',
      '    to: { groups: [analysts] }',
      '    on: { tags: [sales] }',
      '',
    ].join('\n'));
    const plan = await cli('plan', ['plan', '-f', file, '--exit-code']);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toMatch(/GRANT SELECT ON/);
    // The server checks the JSON it was sent; its warnings name the line of this file, not of that JSON.
    const nowhere = `${file}:6: connections.${CONN}.protect[1]: "${CONN}/${DB}/nosuch/*" protects no object`;
    expect(plan.stderr).toContain(nowhere);
    expect(await asUser(DB, ALICE, 'SELECT * FROM orders')).toMatch(/permission denied/);
    const applied = JSON.parse(await ok('apply', ['--json', 'apply', '-f', file, '--yes']));
    expect(applied.stored.warnings).toContainEqual(expect.objectContaining({ file, line: 6, field: `connections.${CONN}.protect[1]` }));
    expect(applied.connections[0]).toMatchObject({ connection: CONN, status: 'applied' });
    expect(await asUser(DB, ALICE, 'SELECT * FROM orders')).toBe('ok');
    expect(await asUser(DB, ALICE, 'SELECT * FROM customers')).toMatch(/permission denied/);
    // The server stored the file: its connection now belongs to the file.
    expect(JSON.parse(await ok('connection list', ['--json', 'connection', 'list']))[0].source).toBe('file');

    expect(JSON.parse(await ok('status', ['--json', 'status']))[0]).toMatchObject({ connection: CONN, driftCount: 0 });
    expect(await ok('explain', ['explain', 'alice', `${CONN}/${DB}/public/orders`])).toMatch(/analysts-read-sales/);
    expect(await ok('who-can', ['who-can', `${CONN}/${DB}/public/orders`])).toMatch(/alice/);
  });

  it('shows the audit log, filtered, with the server as the place things happened', async () => {
    const events = JSON.parse(await ok('audit', ['--json', 'audit', '--actor', `token:env-`, '--limit', '5']));
    expect(events).toEqual([]);
    const mine = JSON.parse(await ok('audit', ['--json', 'audit', '--action', 'apply', '--connection', CONN, '--since', '1h']));
    expect(mine).toHaveLength(1);
    expect(mine[0].actor).toMatch(/^token:env-[0-9a-f]{12}$/);
    expect(mine[0].requestId).toMatch(/^[0-9a-f-]{36}$/);
    const one = JSON.parse(await ok('audit', ['--json', 'audit', String(mine[0].id)]));
    expect(one.details.statements.length).toBeGreaterThan(0);
    const bad = await cli('audit', ['audit', 'abc']);
    expect(bad.stderr).toBe('error: id: "abc" is not an audit event id (a positive whole number)\nhint: write it like 42\n');
    const badLimit = await cli('audit', ['audit', '--limit', '-5']);
    expect(badLimit.stderr).toMatch(/^error: --limit: "-5" is not a positive whole number up to 1000\n/);
    // Every request the commands made is one line in the server's log, with its request id.
    const line = served.logLines().find((l) => l.reqId === mine[0].requestId && l.msg === 'request');
    expect(line).toMatchObject({ method: 'POST', route: '/api/v1/apply', status: 200 });
  });

  it('removes everything it made', async () => {
    await ok('owner remove', ['owner', 'remove', 'alice', `${CONN}/${DB}`]);
    await ok('tag remove', ['tag', 'remove', `${CONN}/${DB}/public/orders`, 'sales']);
    await ok('user remove', ['user', 'remove', 'alice']);
    await ok('group remove', ['group', 'remove', 'analysts']);
    // Steward's roles go with it (--revoke): nothing is left behind in the database.
    await ok('connection remove', ['connection', 'remove', CONN, '--revoke']);
    expect(JSON.parse(await ok('connection list', ['--json', 'connection', 'list']))).toEqual([]);
  });

  it('ran every command of the CLI through the server (schema needs none)', async () => {
    const schema = await cli('schema', ['schema']);
    expect(JSON.parse(schema.stdout).title).toBe('steward.yaml');
    // Webhook commands through --server are covered by test/integration/jobs-cli.test.ts.
    const all = leafCommands(buildProgram()).filter((c) => c !== 'serve' && !c.startsWith('webhook '));
    expect(all.filter((c) => !ran.has(c))).toEqual([]);
    // No command ever opened a local store: the data directory given to them is a file.
    expect(existsSync(join(NOT_A_DIR, 'store'))).toBe(false);
    const requests = served.logLines().filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThan(all.length);
    expect(served.output().stdout).not.toContain(ADMIN_TOKEN);
  });
});
