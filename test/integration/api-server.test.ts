/**
 * The HTTP API end to end: an in-memory store, the real services, `app.inject` for most
 * checks and one real listener driven by the remote client. Connection tests use the local
 * PostgreSQL (skipped loudly when it is not there).
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/api/server.js';
import { createRemoteClient } from '../../src/client/remote-client.js';
import { StewardError } from '../../src/domain/errors.js';
import { createServices, type Services } from '../../src/services/container.js';
import type { Db } from '../../src/store/db.js';
import { openPglite } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';
import { PG_URL, pgAvailable } from '../helpers/databases.js';

/** A parsed JSON answer; the tests reach into it freely. */
type Json = ReturnType<typeof JSON.parse>;

interface Answer {
  status: number;
  body: string;
  json: Json;
  headers: Record<string, unknown>;
}

let db: Db;
let services: Services;
let token: string;
let app: FastifyInstance;

async function call(app_: FastifyInstance, method: string, url: string, opts: { token?: string | null; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  const t = opts.token === undefined ? token : opts.token;
  if (t !== null) headers.authorization = `Bearer ${t}`;
  const res = await app_.inject({
    method: method as 'GET',
    url,
    headers,
    ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
  });
  return { status: res.statusCode, body: res.body, json: res.body === '' ? undefined : JSON.parse(res.body), headers: res.headers };
}

const names = (xs: { name: string }[]): string[] => xs.map((x) => x.name);
const paths = (xs: { path: string }[]): string[] => xs.map((x) => x.path);

const api = (method: string, url: string, opts: { token?: string | null; body?: unknown } = {}) => call(app, method, `/api/v1${url}`, opts);

/** The documented error shape: `{ error: { code, message, hint?, details? } }` and nothing else. */
function expectError(a: Answer, status: number, code: string): { code: string; message: string; hint?: string; details?: unknown } {
  expect(a.status).toBe(status);
  expect(a.headers['content-type']).toMatch(/application\/json/);
  expect(Object.keys(a.json)).toEqual(['error']);
  expect(a.json.error.code).toBe(code);
  expect(typeof a.json.error.message).toBe('string');
  for (const k of Object.keys(a.json.error)) expect(['code', 'message', 'hint', 'details']).toContain(k);
  return a.json.error as { code: string; message: string; hint?: string; details?: unknown };
}

beforeAll(async () => {
  db = await openPglite(null);
  await migrate(db);
  services = createServices({ db, masterKey: randomBytes(32) });
  token = (await services.tokens.ensureAdmin(undefined))!;
  expect(token).toMatch(/^stw_/);
  app = await createServer(services);
});

afterAll(async () => {
  await app?.close();
  await db?.close();
});

describe('authentication', () => {
  it('serves /healthz and /readyz without a token', async () => {
    const h = await call(app, 'GET', '/healthz', { token: null });
    expect(h.status).toBe(200);
    expect(h.json).toEqual({ status: 'ok' });
    const r = await call(app, 'GET', '/readyz', { token: null });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 503 when the store does not answer', async () => {
    const down = { query: () => Promise.reject(new Error('store down')) } as unknown as Db;
    const broken = await createServer({ ...services, db: down });
    try {
      const r = await call(broken, 'GET', '/readyz', { token: null });
      expect(r.status).toBe(503);
      expect(r.json).toEqual({ status: 'unavailable' });
    } finally {
      await broken.close();
    }
  });

  it('refuses a normal route without a token, with a bad token and with another scheme', async () => {
    const none = expectError(await api('GET', '/connections', { token: null }), 401, 'unauthorized');
    expect(none.message).toBe('missing bearer token');
    expect(none.hint).toMatch(/Authorization: Bearer/);
    expectError(await api('GET', '/connections', { token: 'stw_not-a-real-token' }), 401, 'unauthorized');
    const basic = await app.inject({ method: 'GET', url: '/api/v1/connections', headers: { authorization: `Basic ${token}` } });
    expect(basic.statusCode).toBe(401);
    expect(basic.headers['www-authenticate']).toBe('Bearer');
  });

  it('guards the OpenAPI document and unknown routes too', async () => {
    expectError(await api('GET', '/openapi.json', { token: null }), 401, 'unauthorized');
    expectError(await api('GET', '/openapi.json', { token: 'nope' }), 401, 'unauthorized');
    // Without a token, probing does not reveal which routes exist.
    expectError(await api('GET', '/no-such-route', { token: null }), 401, 'unauthorized');
  });

  it('accepts a valid token and records its name as the audit actor', async () => {
    expect((await api('POST', '/groups', { body: { name: 'auditors' } })).status).toBe(204);
    const events = (await api('GET', '/audit?action=group.add&limit=1')).json;
    expect(events).toHaveLength(1);
    expect(events[0].actor).toBe('token:admin');
    expect(events[0].summary).toBe('auditors');
  });
});

describe('OpenAPI document', () => {
  // Every StewardClient method but close(), each served by exactly one route.
  const CLIENT_METHODS = [
    'listConnections', 'getConnection', 'addConnection', 'removeConnection', 'checkConnection', 'sync', 'browse', 'search', 'plan', 'storeConfig',
    'applyConnection', 'status', 'explain', 'whoCan', 'audit', 'auditEvent', 'listUsers', 'putUser', 'deleteUser', 'listGroups',
    'addGroup', 'deleteGroup', 'listPolicies', 'putPolicy', 'deletePolicy', 'listTags', 'tag', 'untag',
    'listWebhooks', 'addWebhook', 'removeWebhook', 'rotateWebhookSecret', 'enableWebhook', 'webhookDeliveries', 'redeliverWebhook',
  ];

  it('is OpenAPI 3 with a bearer scheme and one operation per client method', async () => {
    const a = await api('GET', '/openapi.json');
    expect(a.status).toBe(200);
    const doc = a.json;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('Steward API');
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    for (const p of ['/api/v1/connections', '/api/v1/connections/{name}/sync', '/api/v1/catalog', '/api/v1/catalog/search', '/api/v1/plan', '/api/v1/audit/{id}', '/healthz', '/readyz']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const ops: { path: string; method: string; op: { operationId: string } }[] = [];
    for (const [path, item] of Object.entries<Record<string, { operationId: string }>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) ops.push({ path, method, op });
    }
    const ids = ops.filter((o) => o.path.startsWith('/api/v1/')).map((o) => o.op.operationId);
    expect([...ids].sort()).toEqual([...CLIENT_METHODS].sort());
    // The probes are the open ones; everything else inherits the global bearer requirement.
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.paths['/api/v1/connections'].get.security).toBeUndefined();
    // Request schemas made it into the document.
    const add = doc.paths['/api/v1/connections'].post;
    expect(add.requestBody.content['application/json'].schema.properties.type.enum).toEqual(['postgres', 'mysql', 'mariadb', 'redshift']);
    expect(names(doc.paths['/api/v1/catalog'].get.parameters).sort()).toEqual(['after', 'limit', 'path', 'removed']);
  });
});

describe('errors', () => {
  it('names the field of a bad connection type', async () => {
    const e = expectError(await api('POST', '/connections', { body: { name: 'x', type: 'oracle', url: 'oracle://h/db' } }), 400, 'invalid_input');
    expect(e.message).toMatch(/^type: must be one of postgres, mysql, mariadb, redshift$/);
    expect(e.details).toEqual({ field: 'type', in: 'body' });
    expect(e.hint).toMatch(/openapi\.json/);
  });

  it('names missing and unknown fields, and wrong query types', async () => {
    expect(expectError(await api('POST', '/connections', { body: { name: 'x', type: 'postgres' } }), 400, 'invalid_input').message).toBe('url: is required');
    const unknown = await api('POST', '/connections', { body: { name: 'x', type: 'postgres', url: 'postgres://h/d', options: { protec: [] } } });
    expect(expectError(unknown, 400, 'invalid_input').message).toBe('options.protec: is not a known field');
    expect(expectError(await api('GET', '/catalog?limit=0'), 400, 'invalid_input').message).toMatch(/^limit: /);
    expect(expectError(await api('GET', '/audit/abc'), 400, 'invalid_input').message).toMatch(/^id: /);
  });

  it('refuses a body that is not JSON without echoing it', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/connections',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: '{"url": "postgres://u:leaky-pw@h/d", oops',
    });
    const a = { status: res.statusCode, body: res.body, json: JSON.parse(res.body), headers: res.headers };
    expect(expectError(a, 400, 'invalid_input').message).toBe('body: is not valid JSON');
    expect(res.body).not.toContain('leaky-pw');
  });

  it('answers an unknown route with a 404 in the error shape', async () => {
    const e = expectError(await api('GET', '/no-such-route'), 404, 'not_found');
    expect(e.message).toBe('no route GET /api/v1/no-such-route');
    expectError(await call(app, 'GET', '/elsewhere'), 404, 'not_found');
  });

  it('maps service errors by code: not found, invalid input', async () => {
    expectError(await api('DELETE', '/connections/nope'), 404, 'not_found');
    expectError(await api('POST', '/connections/nope/sync', { body: {} }), 404, 'not_found');
    expectError(await api('GET', '/audit/999999'), 404, 'not_found');
    expectError(await api('POST', '/connections', { body: { name: 'Bad Name', type: 'postgres', url: 'postgres://h/d' } }), 400, 'invalid_input');
  });

  it('hides unexpected errors behind a generic 500 without their text', async () => {
    const failing = await createServer({ ...services, status: () => Promise.reject(new Error('boom at postgres://u:hidden-pw@db/x')) });
    try {
      const a = await call(failing, 'GET', '/api/v1/status');
      const e = expectError(a, 500, 'internal');
      expect(e.message).toBe('internal error');
      expect(a.body).not.toContain('hidden-pw');
      expect(a.body).not.toContain('boom');
    } finally {
      await failing.close();
    }
  });

  it('validates a configuration like a file, and never fills ${VAR} from the server environment', async () => {
    const bad = await api('POST', '/plan', { body: { config: { policies: [{ name: 'p', type: 'subscription' }] } } });
    expect(expectError(bad, 400, 'invalid_input').message).toMatch(/policies\[0\]/);
    process.env.STEWARD_API_TEST_SECRET = 'from-server-env';
    try {
      const v = await api('POST', '/config', { body: { config: { groups: ['${STEWARD_API_TEST_SECRET}'] } } });
      expect(expectError(v, 400, 'invalid_input').message).toMatch(/STEWARD_API_TEST_SECRET is not set/);
    } finally {
      delete process.env.STEWARD_API_TEST_SECRET;
    }
  });
});

describe('users, groups, policies, tags', () => {
  it('puts, lists and deletes a user', async () => {
    expect((await api('PUT', '/users/alice', { body: { email: 'alice@example.com', groups: ['analysts'] } })).status).toBe(204);
    const users = (await api('GET', '/users')).json;
    expect(users).toContainEqual({ name: 'alice', email: 'alice@example.com', groups: ['analysts'], attributes: {}, principals: {}, source: 'api' });
    expect((await api('DELETE', '/users/alice')).status).toBe(204);
    expectError(await api('DELETE', '/users/alice'), 404, 'not_found');
  });

  it('adds, lists and deletes a group', async () => {
    expect((await api('POST', '/groups', { body: { name: 'hr' } })).status).toBe(204);
    expect(names((await api('GET', '/groups')).json)).toContain('hr');
    expect((await api('DELETE', '/groups/hr')).status).toBe(204);
    expect(names((await api('GET', '/groups')).json)).not.toContain('hr');
  });

  it('puts a policy under its own name only, and validates it', async () => {
    const policy = { name: 'analysts-read', type: 'subscription', access: 'read', to: { groups: ['analysts'] }, on: { tags: ['sales'] } };
    expectError(await api('PUT', '/policies/other', { body: policy }), 400, 'invalid_input');
    expectError(await api('PUT', '/policies/analysts-read', { body: { ...policy, access: 'delete' } }), 400, 'invalid_input');
    const put = await api('PUT', '/policies/analysts-read', { body: policy });
    expect(put.status).toBe(200);
    expect(put.json).toEqual(policy);
    const list = (await api('GET', '/policies')).json;
    expect(list.map((p: { policy: unknown }) => p.policy)).toContainEqual(policy);
    expect((await api('DELETE', '/policies/analysts-read')).status).toBe(204);
    expectError(await api('DELETE', '/policies/analysts-read'), 404, 'not_found');
  });

  it('tags and untags a path (tags do not require a synced object)', async () => {
    expect((await api('POST', '/tags', { body: { path: 'wh/shop/public/orders', tag: 'sales' } })).status).toBe(204);
    expect((await api('GET', '/tags?connection=wh')).json).toEqual([{ connection: 'wh', path: 'shop/public/orders', tag: 'sales', source: 'api' }]);
    expect((await api('DELETE', `/tags?path=${encodeURIComponent('wh/shop/public/orders')}&tag=sales`)).status).toBe(204);
    expect((await api('GET', '/tags?connection=wh')).json).toEqual([]);
  });
});

describe('remote client over real HTTP', () => {
  let base: string;

  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  it('drives the API through the StewardClient interface', async () => {
    const client = createRemoteClient({ server: `${base}/`, token });
    await client.addGroup('remote-group');
    expect((await client.listGroups()).map((g) => g.name)).toContain('remote-group');
    await client.putUser({ name: 'bob', email: null, groups: ['remote-group'], attributes: { region: ['eu'] }, principals: {} });
    expect((await client.listUsers()).find((u) => u.name === 'bob')).toMatchObject({ groups: ['remote-group'], attributes: { region: ['eu'] }, source: 'api' });
    await client.tag('wh/db/t', 'pii');
    expect(await client.listTags('wh')).toEqual([{ connection: 'wh', path: 'db/t', tag: 'pii', source: 'api' }]);
    await client.untag('wh/db/t', 'pii');
    const events = await client.audit({ action: 'user.put', limit: 5 });
    expect(events[0]).toMatchObject({ actor: 'token:admin', summary: 'bob' });
    expect(await client.auditEvent(events[0]!.id)).toEqual(events[0]);
    expect(await client.status()).toEqual([]);
    await client.deleteUser('bob');
    await client.close();
  });

  it("rethrows the server's errors as StewardError with code, message and hint", async () => {
    const client = createRemoteClient({ server: base, token });
    const e = await client.deleteUser('nobody').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StewardError);
    expect((e as StewardError).code).toBe('not_found');
    expect((e as StewardError).message).toBe('user "nobody" does not exist');
    const bad = await createRemoteClient({ server: base, token: 'wrong' }).listConnections().catch((err: unknown) => err);
    expect(bad).toMatchObject({ code: 'unauthorized', message: 'invalid bearer token' });
    expect((bad as StewardError).hint).toMatch(/Bearer/);
  });

  it('reports an unreachable server as connection_failed with a hint', async () => {
    // A port that was just free: nothing listens there.
    const probe = await createServer(services);
    await probe.listen({ port: 0, host: '127.0.0.1' });
    const port = (probe.server.address() as AddressInfo).port;
    await probe.close();
    const e = await createRemoteClient({ server: `http://127.0.0.1:${port}`, token }).listConnections().catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'connection_failed' });
    expect((e as StewardError).hint).toMatch(/steward serve/);
  });
});

describe.skipIf(!pgAvailable)('with a real PostgreSQL connection', () => {
  const SECRET = 's3cr3t-pw';
  const dbName = `steward_api_${randomBytes(4).toString('hex')}`;
  // Trust authentication accepts any password: a fake one shows whether it ever leaks.
  const secretUrl = (() => {
    const u = new URL(PG_URL);
    if (u.password === '') u.password = SECRET;
    return u.toString();
  })();
  const secret = new URL(secretUrl).password;
  const bodies: string[] = [];
  const seen = async (a: Promise<Answer>): Promise<Answer> => {
    const r = await a;
    bodies.push(r.body);
    return r;
  };

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${dbName}`);
    } finally {
      await admin.end();
    }
    const inDb = new URL(PG_URL);
    inDb.pathname = `/${dbName}`;
    const c = new pg.Client({ connectionString: inDb.toString() });
    await c.connect();
    try {
      await c.query('CREATE SCHEMA shop; CREATE TABLE shop.alpha (id int, region text); CREATE TABLE shop.beta (id int); CREATE TABLE shop.gamma (id int)');
    } finally {
      await c.end();
    }
  });

  afterAll(async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });

  it('adds a connection without ever showing its password, and refuses a duplicate', async () => {
    const body = { name: 'pg', type: 'postgres', url: secretUrl, options: { databases: [dbName] } };
    const add = await seen(api('POST', '/connections', { body }));
    expect(add.status).toBe(201);
    expect(add.json).toMatchObject({ name: 'pg', type: 'postgres', source: 'api' });
    expect(add.json.url).toContain('***');
    expectError(await seen(api('POST', '/connections', { body })), 409, 'conflict');
    const list = await seen(api('GET', '/connections'));
    expect(names(list.json)).toEqual(['pg']);
    const check = await seen(api('POST', '/connections/pg/check'));
    expect(check.status).toBe(200);
    expect(check.json.databases).toContain(dbName);
    expect(Array.isArray(check.json.grantSql)).toBe(true);
  });

  it('syncs and pages through the catalog', async () => {
    const sync = await seen(api('POST', '/connections/pg/sync', { body: {} }));
    expect(sync.status).toBe(200);
    expect(sync.json.connection).toBe('pg');
    expect(paths(sync.json.added)).toContain(`pg/${dbName}/shop/alpha`);

    const under = encodeURIComponent(`pg/${dbName}/shop`);
    const first = await seen(api('GET', `/catalog?path=${under}&limit=1`));
    expect(first.status).toBe(200);
    expect(first.json.object).toMatchObject({ path: `pg/${dbName}/shop`, kind: 'schema' });
    expect(names(first.json.children)).toEqual(['alpha']);
    expect(first.json.next).toBe('alpha');
    const second = await seen(api('GET', `/catalog?path=${under}&limit=1&after=${first.json.next}`));
    expect(names(second.json.children)).toEqual(['beta']);
    const rest = await seen(api('GET', `/catalog?path=${under}&limit=10&after=${second.json.next}`));
    expect(names(rest.json.children)).toEqual(['gamma']);
    expect(rest.json.next).toBeNull();

    const columns = await seen(api('GET', `/catalog?path=${encodeURIComponent(`pg/${dbName}/shop/alpha`)}`));
    expect(names(columns.json.children)).toEqual(['id', 'region']);

    const root = await seen(api('GET', '/catalog'));
    expect(root.json.children).toEqual([{ path: 'pg', name: 'pg', kind: 'connection', comment: 'postgres' }]);
    expectError(await api('GET', `/catalog?path=${encodeURIComponent(`pg/${dbName}/nope`)}`), 404, 'not_found');
  });

  it('searches the catalog', async () => {
    const found = await seen(api('GET', '/catalog/search?q=alph&connection=pg'));
    expect(found.status).toBe(200);
    expect(paths(found.json)).toContain(`pg/${dbName}/shop/alpha`);
    expectError(await api('GET', '/catalog/search'), 400, 'invalid_input');
  });

  it('plans a configuration against the registered connection', async () => {
    const plan = await seen(api('POST', '/plan', { body: { config: {}, connection: 'pg' } }));
    expect(plan.status).toBe(200);
    expect(plan.json).toHaveLength(1);
    expect(plan.json[0]).toMatchObject({ connection: 'pg', type: 'postgres' });
    expect(Array.isArray(plan.json[0].statements)).toBe(true);
  });

  it('stores an empty configuration, applies it, and answers the access questions', async () => {
    const stored = await seen(api('POST', '/config', { body: { config: {} } }));
    expect(stored.status).toBe(200);
    expect(stored.json).toMatchObject({ users: 0, policies: 0 });
    // Nothing is protected: applying changes nothing on the server.
    const applied = await seen(api('POST', '/connections/pg/apply'));
    expect(applied.status).toBe(200);
    expect(applied.json).toMatchObject({ connection: 'pg', plan: { connection: 'pg', operations: [] } });
    expect(['no-op', 'applied']).toContain(applied.json.status);
    const path = encodeURIComponent(`pg/${dbName}/shop/alpha`);
    expect((await seen(api('GET', `/who-can?path=${path}`))).status).toBe(200);
    const explained = await seen(api('GET', `/explain?user=nobody&path=${path}`));
    expect(explained.status).toBe(200);
    expect(explained.json).toMatchObject({ user: 'nobody', privileges: [] });
  });

  it('lists the connection and its status through the remote client', async () => {
    if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const client = createRemoteClient({ server: `http://127.0.0.1:${port}`, token });
    const conns = await client.listConnections();
    bodies.push(JSON.stringify(conns));
    expect(conns.map((c) => c.name)).toEqual(['pg']);
    const status = await client.status();
    bodies.push(JSON.stringify(status));
    expect(status.find((s) => s.connection === 'pg')?.lastSyncAt).toBeInstanceOf(Date);
  });

  it('never showed the password: no response and no audit event holds it', async () => {
    const audit = await seen(api('GET', '/audit?connection=pg&limit=1000'));
    expect(audit.json.some((e: { action: string }) => e.action === 'connection.add')).toBe(true);
    for (const e of audit.json as { id: number }[]) bodies.push(JSON.stringify(await services.audit.get(e.id)));
    expect(bodies.length).toBeGreaterThan(10);
    for (const b of bodies) expect(b).not.toContain(secret);
  });

  it('removes the connection', async () => {
    expect((await api('DELETE', '/connections/pg')).status).toBe(204);
    expectError(await api('DELETE', '/connections/pg'), 404, 'not_found');
  });
});
