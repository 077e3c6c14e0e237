/**
 * Roles for people: every route × every role against the one route table, tokens (hashed,
 * expiring, revocable, acting as a user), data owners, and the audit trail of who did what.
 * An in-memory store and the real services; no database server needed.
 */
import { Registry } from 'prom-client';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRouteRule } from '../../src/api/auth.js';
import { ROUTE_ACCESS, routeKey } from '../../src/api/route-access.js';
import { createServer } from '../../src/api/server.js';
import { ROLES, type Role } from '../../src/domain/roles.js';
import { createServices, type Services } from '../../src/services/container.js';
import { openPglite, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';

let db: Db;
let services: Services;
let app: FastifyInstance;
/** One token per role; the owner token acts as user "olga", who owns api_wh/shop. */
const tokens = {} as Record<Role, string>;

async function call(method: string, url: string, opts: { token?: string | null; body?: unknown; query?: Record<string, string> } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const qs = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : '';
  const res = await app.inject({ method: method as 'GET', url: url + qs, headers, ...(opts.body !== undefined ? { payload: opts.body as object } : {}) });
  return { status: res.statusCode, json: res.body === '' || !String(res.headers['content-type'] ?? '').includes('json') ? undefined : JSON.parse(res.body), headers: res.headers };
}

beforeAll(async () => {
  db = await openPglite(null);
  await migrate(db);
  services = createServices({ db, masterKey: randomBytes(32) });
  tokens.admin = (await services.tokens.ensureAdmin(undefined))!;
  // A connection that is never connected to: ownership needs it registered, nothing more.
  await services.connections.add({ name: 'api_wh', type: 'postgres', url: 'postgres://sys:pw@127.0.0.1:1/shop' }, 'test', { verify: false });
  await services.identities.putUser({ name: 'olga', email: null, groups: [], attributes: {}, principals: {} }, 'test');
  await services.owners.add('olga', 'api_wh/shop/public', 'test');
  tokens.governor = (await services.tokens.create({ name: 'gov', role: 'governor' }, 'test')).token;
  tokens.owner = (await services.tokens.create({ name: 'olga-owner', role: 'owner', user: 'olga' }, 'test')).token;
  tokens.viewer = (await services.tokens.create({ name: 'view', role: 'viewer' }, 'test')).token;
  tokens.scim = (await services.tokens.create({ name: 'idp', role: 'scim' }, 'test')).token;
  // With a metrics registry, as `serve` runs it: every route of the table is registered.
  app = await createServer(services, { metrics: new Registry() });
});

afterAll(async () => {
  await app?.close();
  await db?.close();
});

describe('the route table', () => {
  it('has exactly one entry per registered route, and the routes are the ones expected', () => {
    const registered = app.stewardRoutes.map((r) => routeKey(r.method, r.url));
    expect(new Set(registered).size).toBe(registered.length);
    // No stale entries: every rule guards a route that exists.
    expect([...registered].sort()).toEqual(Object.keys(ROUTE_ACCESS).sort());
  });

  it('admits owners to changes only where it can tell what they act on', () => {
    for (const [key, rule] of Object.entries(ROUTE_ACCESS)) {
      if (rule.public === true || key.startsWith('GET ') || !rule.roles.includes('owner')) continue;
      expect(rule.ownedPath, key).toBeTypeOf('function');
    }
  });

  it('refuses to register a route that has no entry', async () => {
    const f = Fastify();
    f.addHook('onRoute', requireRouteRule);
    expect(() => f.get('/api/v1/unlisted', async () => 'open')).toThrow(/GET \/api\/v1\/unlisted has no entry in ROUTE_ACCESS/);
    await f.close();
  });

  it('documents the roles of each operation in the OpenAPI document', async () => {
    const doc = (await call('GET', '/api/v1/openapi.json', { token: tokens.viewer })).json;
    expect(doc.paths['/api/v1/tokens'].post.description).toMatch(/Roles: admin\.$/);
    expect(doc.paths['/api/v1/tags'].post.description).toMatch(/Roles: admin, governor, owner \(of the object\)\.$/);
    expect(doc.paths['/api/v1/connections'].get.description).toMatch(/Roles: admin, governor, owner, viewer\.$/);
  });
});

describe('every route × every role', () => {
  const fill = (url: string): string => url.replace(':name', 'nosuch').replace(':id', '1');

  it('answers 401 without a token, 403 to a role the table refuses, and never 401/403 to one it admits', async () => {
    const seen: string[] = [];
    for (const { method, url } of app.stewardRoutes) {
      const rule = ROUTE_ACCESS[routeKey(method, url)]!;
      const body = method === 'POST' || method === 'PUT' ? {} : undefined;
      const anonymous = await call(method, fill(url), { body });
      if (rule.public === true) {
        expect([200, 503], `${method} ${url} is public`).toContain(anonymous.status);
        continue;
      }
      expect(anonymous.status, `${method} ${url} without a token`).toBe(401);
      for (const role of ROLES) {
        const r = await call(method, fill(url), { token: tokens[role], body });
        const label = `${method} ${url} as ${role} → ${r.status} ${JSON.stringify(r.json?.error ?? '')}`;
        if (!rule.roles.includes(role)) {
          expect(r.status, label).toBe(403);
          expect(r.json.error.code, label).toBe('forbidden');
        } else {
          // Admitted: success, or a 4xx about the (deliberately empty) request — never 401/403.
          expect(r.status, label).toBeLessThan(500);
          expect([401, 403], label).not.toContain(r.status);
        }
        seen.push(`${role} ${method} ${url}`);
      }
    }
    expect(seen.length).toBe(ROLES.length * app.stewardRoutes.filter((r) => ROUTE_ACCESS[routeKey(r.method, r.url)]?.public !== true).length);
  });

  it('refuses scim everywhere and says why', async () => {
    const r = await call('GET', '/api/v1/connections', { token: tokens.scim });
    expect(r.status).toBe(403);
    expect(r.json.error.message).toBe('role scim has no routes yet: the provisioning (SCIM) API does not exist yet');
  });

  it('tells a viewer which role a change needs', async () => {
    const r = await call('PUT', '/api/v1/policies/p', { token: tokens.viewer, body: { name: 'p', type: 'subscription' } });
    expect(r.status).toBe(403);
    expect(r.json.error.message).toBe('role viewer may not call PUT /api/v1/policies/:name');
    expect(r.json.error.hint).toBe('this needs a token with role admin or governor');
  });
});

describe('data owners', () => {
  it('lets an owner tag what they own, and only that', async () => {
    const inside = await call('POST', '/api/v1/tags', { token: tokens.owner, body: { path: 'api_wh/shop/public/orders', tag: 'sales' } });
    expect(inside.status).toBe(204);
    const column = await call('POST', '/api/v1/tags', { token: tokens.owner, body: { path: 'api_wh/shop/public/orders/email', tag: 'pii' } });
    expect(column.status).toBe(204);
    const outside = await call('POST', '/api/v1/tags', { token: tokens.owner, body: { path: 'api_wh/shop/private/salaries', tag: 'x' } });
    expect(outside.status).toBe(403);
    expect(outside.json.error.message).toBe('user olga does not own api_wh/shop/private/salaries');
    // A sibling whose name merely starts like the owned one is not inside it.
    const sibling = await call('POST', '/api/v1/tags', { token: tokens.owner, body: { path: 'api_wh/shop/public2/t', tag: 'x' } });
    expect(sibling.status).toBe(403);
    const untagOutside = await call('DELETE', '/api/v1/tags', { token: tokens.owner, query: { path: 'api_wh/other/t', tag: 'x' } });
    expect(untagOutside.status).toBe(403);
    const untag = await call('DELETE', '/api/v1/tags', { token: tokens.owner, query: { path: 'api_wh/shop/public/orders/email', tag: 'pii' } });
    expect(untag.status).toBe(204);
    expect((await services.identities.listTags('api_wh')).map((t) => `${t.path}#${t.tag}`)).toEqual(['shop/public/orders#sales']);
  });

  it('is managed by governors over the API, listed for everyone', async () => {
    await services.identities.putUser({ name: 'pete', email: null, groups: [], attributes: {}, principals: {} }, 'test');
    expect((await call('POST', '/api/v1/owners', { token: tokens.governor, body: { user: 'pete', path: 'api_wh/shop' } })).status).toBe(204);
    const list = await call('GET', '/api/v1/owners', { token: tokens.viewer, query: { user: 'pete' } });
    expect(list.json).toEqual([{ user: 'pete', path: 'api_wh/shop' }]);
    const unknownUser = await call('POST', '/api/v1/owners', { token: tokens.governor, body: { user: 'nobody', path: 'api_wh/shop' } });
    expect(unknownUser.status).toBe(404);
    const unknownConnection = await call('POST', '/api/v1/owners', { token: tokens.governor, body: { user: 'pete', path: 'nowhere/db' } });
    expect(unknownConnection.status).toBe(404);
    expect((await call('DELETE', '/api/v1/owners', { token: tokens.governor, query: { user: 'pete', path: 'api_wh/shop' } })).status).toBe(204);
    expect((await call('DELETE', '/api/v1/owners', { token: tokens.governor, query: { user: 'pete', path: 'api_wh/shop' } })).status).toBe(404);
    // Deleting a user ends what they owned.
    await services.owners.add('pete', 'api_wh', 'test');
    await services.identities.deleteUser('pete', 'test');
    expect(await services.owners.list({ user: 'pete' })).toEqual([]);
  });
});

describe('tokens', () => {
  it('are made by an admin, shown once, stored only as a hash, listed without secrets', async () => {
    const made = await call('POST', '/api/v1/tokens', { token: tokens.admin, body: { name: 'ci', role: 'viewer', expiresAt: '2099-01-01T00:00:00Z' } });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ name: 'ci', role: 'viewer', user: null, status: 'active', expiresAt: '2099-01-01T00:00:00.000Z', createdBy: 'token:admin' });
    const token = made.json.token as string;
    expect(token).toMatch(/^stw_[A-Za-z0-9_-]{43}$/);
    expect((await call('GET', '/api/v1/status', { token })).status).toBe(200);
    const stored = await db.query<Record<string, unknown>>('SELECT * FROM api_tokens WHERE name = $1', [made.json.name]);
    expect(JSON.stringify(stored)).not.toContain(token);
    const list = await call('GET', '/api/v1/tokens', { token: tokens.admin });
    expect(list.json.find((t: { name: string }) => t.name === 'ci')).toMatchObject({ role: 'viewer', status: 'active' });
    expect(JSON.stringify(list.json)).not.toContain(token);
    expect(JSON.stringify(list.json)).not.toMatch(/hash/i);
    // Used once: the listing says when.
    expect(list.json.find((t: { name: string }) => t.name === 'ci').lastUsedAt).not.toBeNull();
  });

  it('refuse bad input with the field named', async () => {
    const dup = await call('POST', '/api/v1/tokens', { token: tokens.admin, body: { name: 'ci', role: 'viewer' } });
    expect(dup.status).toBe(409);
    const badRole = await call('POST', '/api/v1/tokens', { token: tokens.admin, body: { name: 'x', role: 'root' } });
    expect(badRole.json.error.message).toBe('role: must be one of admin, governor, owner, viewer, scim');
    const ownerless = await call('POST', '/api/v1/tokens', { token: tokens.admin, body: { name: 'x', role: 'owner' } });
    expect(ownerless.json.error.message).toBe('user: is required for role owner');
    const past = await call('POST', '/api/v1/tokens', { token: tokens.admin, body: { name: 'x', role: 'viewer', expiresAt: '2001-01-01T00:00:00Z' } });
    expect(past.json.error.message).toMatch(/^expiresAt: 2001-01-01T00:00:00.000Z is in the past$/);
    const noUser = await call('POST', '/api/v1/tokens', { token: tokens.admin, body: { name: 'x', role: 'viewer', user: 'ghost' } });
    expect(noUser.status).toBe(404);
    const badName = await call('POST', '/api/v1/tokens', { token: tokens.admin, body: { name: 'a b', role: 'viewer' } });
    expect(badName.json.error.message).toMatch(/^name: "a b" is not a valid token name$/);
  });

  it('stop working when revoked or expired, each with its reason', async () => {
    const { token } = await services.tokens.create({ name: 'short', role: 'viewer' }, 'test');
    expect((await call('GET', '/api/v1/users', { token })).status).toBe(200);
    // Time passes: the expiry is moved into the past rather than waited for.
    await services.tokens.create({ name: 'later', role: 'viewer', expiresAt: new Date(Date.now() + 3_600_000) }, 'test');
    await db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE name = 'short'`);
    const expired = await call('GET', '/api/v1/users', { token });
    expect(expired.status).toBe(401);
    expect(expired.json.error.message).toMatch(/^token "short" expired at /);
    expect((await services.tokens.list()).find((t) => t.name === 'short')?.status).toBe('expired');

    const other = await services.tokens.create({ name: 'gone-soon', role: 'viewer' }, 'test');
    const revoke = await call('DELETE', '/api/v1/tokens/gone-soon', { token: tokens.admin });
    expect(revoke.json).toMatchObject({ name: 'gone-soon', status: 'revoked' });
    const revoked = await call('GET', '/api/v1/users', { token: other.token });
    expect(revoked.status).toBe(401);
    expect(revoked.json.error.message).toBe('token "gone-soon" was revoked');
    expect((await call('DELETE', '/api/v1/tokens/gone-soon', { token: tokens.admin })).status).toBe(404);
    // The name is free again; the revoked one stays listed for the audit trail.
    expect((await call('POST', '/api/v1/tokens', { token: tokens.admin, body: { name: 'gone-soon', role: 'viewer' } })).status).toBe(201);
    expect((await services.tokens.list()).filter((t) => t.name === 'gone-soon').map((t) => t.status).sort()).toEqual(['active', 'revoked']);
  });

  it('act as their user: the user is the actor, the token is recorded as via', async () => {
    await services.identities.putUser({ name: 'gina', email: null, groups: [], attributes: {}, principals: {} }, 'test');
    const { token } = await services.tokens.create({ name: 'gina-gov', role: 'governor', user: 'gina' }, 'test');
    const put = await call('PUT', '/api/v1/policies/gina-read', {
      token, body: { name: 'gina-read', type: 'subscription', access: 'read', to: { users: ['gina'] }, on: { paths: ['api_wh/shop/**'] } },
    });
    expect(put.status).toBe(200);
    const [event] = await services.audit.list({ action: 'policy.put', limit: 1 });
    expect(event).toMatchObject({ actor: 'user:gina', via: 'token:gina-gov', target: 'policy:gina-read', requestId: put.headers['x-request-id'] });
    // The user leaving ends their tokens.
    await services.identities.deleteUser('gina', 'test');
    const after = await call('GET', '/api/v1/users', { token });
    expect(after.status).toBe(401);
    expect(after.json.error.message).toBe('token "gina-gov" acts as user "gina", who no longer exists');
  });

  it('keep a revoked STEWARD_ADMIN_TOKEN revoked across restarts', async () => {
    const env = `env-token-${randomBytes(8).toString('hex')}`;
    expect(await services.tokens.ensureAdmin(env)).toBeNull();
    const name = (await services.tokens.list()).find((t) => t.createdBy === 'STEWARD_ADMIN_TOKEN')!.name;
    expect((await call('GET', '/api/v1/tokens', { token: env })).status).toBe(200);
    await services.tokens.revoke(name, 'test');
    await services.tokens.ensureAdmin(env);
    expect((await call('GET', '/api/v1/tokens', { token: env })).status).toBe(401);
  });
});

describe('the audit trail of the API', () => {
  it('records actor, action, target, before and after for changes, and can be filtered', async () => {
    const admin = tokens.admin;
    const t0 = new Date().toISOString();
    expect((await call('PUT', '/api/v1/users/ursula', { token: admin, body: { groups: ['hr'] } })).status).toBe(204);
    expect((await call('PUT', '/api/v1/users/ursula', { token: admin, body: { groups: ['hr', 'ops'], email: 'u@example.com' } })).status).toBe(204);
    const [second, first] = await services.audit.list({ action: 'user.put', actor: 'token:admin', since: t0, limit: 2 });
    expect(first).toMatchObject({ target: 'user:ursula', before: null, after: { name: 'ursula', groups: ['hr'] } });
    expect(second).toMatchObject({ before: { groups: ['hr'] }, after: { groups: ['hr', 'ops'], email: 'u@example.com' } });

    expect((await call('DELETE', '/api/v1/users/ursula', { token: admin })).status).toBe(204);
    const [del] = await services.audit.list({ action: 'user.delete', limit: 1 });
    expect(del).toMatchObject({ target: 'user:ursula', before: { name: 'ursula' }, after: null });

    // The API filters the same way; a family of actions with ".*".
    const filtered = await call('GET', '/api/v1/audit', { token: tokens.viewer, query: { action: 'user.*', actor: 'token:admin', since: t0 } });
    expect(filtered.json.map((e: { action: string }) => e.action)).toEqual(['user.delete', 'user.put', 'user.put']);
    const none = await call('GET', '/api/v1/audit', { token: tokens.viewer, query: { since: '2999-01-01T00:00:00Z' } });
    expect(none.json).toEqual([]);
    expect((await call('GET', '/api/v1/audit', { token: tokens.viewer, query: { since: 'yesterday' } })).status).toBe(400);
  });

  it('records failed changes too, with the reason', async () => {
    const r = await call('DELETE', '/api/v1/policies/never-was', { token: tokens.governor });
    expect(r.status).toBe(404);
    const [e] = await services.audit.list({ action: 'policy.delete', limit: 1 });
    expect(e).toMatchObject({ actor: 'token:gov', outcome: 'error', target: 'policy:never-was', summary: 'not_found: policy "never-was" does not exist' });
  });

  it("shows a connection's URL only redacted, before and after", async () => {
    await call('POST', '/api/v1/connections?verify=false', { token: tokens.admin, body: { name: 'api_two', type: 'postgres', url: 'postgres://sys:Very-S3cret@127.0.0.1:1/db' } });
    expect((await call('DELETE', '/api/v1/connections/api_two', { token: tokens.admin })).status).toBe(200);
    const events = await services.audit.list({ connection: 'api_two' });
    expect(events.map((e) => e.action)).toEqual(['connection.remove', 'connection.add']);
    expect(events[1]!.after).toMatchObject({ name: 'api_two', url: 'postgres://sys:***@127.0.0.1:1/db' });
    expect(events[0]!.before).toMatchObject({ url: 'postgres://sys:***@127.0.0.1:1/db' });
    expect(JSON.stringify(events)).not.toContain('Very-S3cret');
  });
});
