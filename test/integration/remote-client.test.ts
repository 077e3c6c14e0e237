/**
 * The remote client and the API cover each other: every StewardClient method calls, over real
 * HTTP, the route whose operationId is the method's name. A new method without a route (or a
 * remote client calling the wrong one) fails here.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/api/server.js';
import { createRemoteClient } from '../../src/client/remote-client.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import { createServices } from '../../src/services/container.js';
import { openPglite, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';

type Method = Exclude<keyof StewardClient, 'close'>;

/** One call of each method; the arguments need not succeed, only reach their route. */
const CALLS: Record<Method, (c: StewardClient) => Promise<unknown>> = {
  listConnections: (c) => c.listConnections(),
  getConnection: (c) => c.getConnection('api_nope'),
  addConnection: (c) => c.addConnection({ name: 'api_rc', type: 'postgres', url: 'postgres://u:pw@127.0.0.1:1/d' }, { verify: false }),
  removeConnection: (c) => c.removeConnection('api_nope'),
  checkConnection: (c) => c.checkConnection('api_nope'),
  sync: (c) => c.sync('api_nope'),
  browse: (c) => c.browse(null),
  search: (c) => c.search('x'),
  plan: (c) => c.plan({}),
  storeConfig: (c) => c.storeConfig({}),
  applyConnection: (c) => c.applyConnection('api_nope', {}),
  applyConfig: (c) => c.applyConfig({}, {}),
  status: (c) => c.status(),
  explain: (c) => c.explain('u', 'api_rc/d/s/t'),
  whoCan: (c) => c.whoCan('api_rc/d/s/t'),
  audit: (c) => c.audit({ actor: 'token:admin', since: '2020-01-01T00:00:00Z' }),
  auditEvent: (c) => c.auditEvent(1),
  listUsers: (c) => c.listUsers(),
  putUser: (c) => c.putUser({ name: 'rita', email: null, groups: [], attributes: {}, principals: {} }),
  deleteUser: (c) => c.deleteUser('nobody'),
  listGroups: (c) => c.listGroups(),
  addGroup: (c) => c.addGroup('g'),
  deleteGroup: (c) => c.deleteGroup('g'),
  listPolicies: (c) => c.listPolicies(),
  putPolicy: (c) => c.putPolicy({ name: 'p', type: 'subscription', access: 'read', to: { groups: ['g'] }, on: { all: true } }),
  deletePolicy: (c) => c.deletePolicy('p'),
  listTags: (c) => c.listTags(),
  tag: (c) => c.tag('api_rc/d/s/t', 'x'),
  untag: (c) => c.untag('api_rc/d/s/t', 'x'),
  listOwners: (c) => c.listOwners({ user: 'rita' }),
  addOwner: (c) => c.addOwner('rita', 'api_rc/d'),
  removeOwner: (c) => c.removeOwner('rita', 'api_rc/d'),
  createToken: (c) => c.createToken({ name: 'rc', role: 'viewer', expiresAt: new Date(Date.now() + 86_400_000) }),
  listTokens: (c) => c.listTokens(),
  revokeToken: (c) => c.revokeToken('rc'),
  listWebhooks: (c) => c.listWebhooks(),
  addWebhook: (c) => c.addWebhook({ url: 'http://127.0.0.1:1/hook', events: ['policy.created'] }),
  removeWebhook: (c) => c.removeWebhook('nope'),
  rotateWebhookSecret: (c) => c.rotateWebhookSecret('nope'),
  enableWebhook: (c) => c.enableWebhook('nope'),
  webhookDeliveries: (c) => c.webhookDeliveries('nope'),
  redeliverWebhook: (c) => c.redeliverWebhook('nope', 'nope'),
};

let db: Db;
let app: FastifyInstance;
let client: StewardClient;
const hits: (string | undefined)[] = [];

beforeAll(async () => {
  db = await openPglite(null);
  await migrate(db);
  const services = createServices({ db, masterKey: randomBytes(32) });
  const token = (await services.tokens.ensureAdmin(undefined))!;
  app = await createServer(services);
  app.addHook('onRequest', async (req) => void hits.push(req.routeOptions.schema?.operationId));
  await app.listen({ port: 0, host: '127.0.0.1' });
  client = createRemoteClient({ server: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, token });
});

afterAll(async () => {
  await app?.close();
  await db?.close();
});

describe('remote client', () => {
  it('has a call for every method of the interface', () => {
    expect(Object.keys(client).filter((m) => m !== 'close').sort()).toEqual(Object.keys(CALLS).sort());
  });

  it('calls, for each method, the route of the same operationId, in one request', async () => {
    for (const [method, callIt] of Object.entries(CALLS)) {
      hits.length = 0;
      await callIt(client).catch(() => undefined);
      expect(hits, method).toEqual([method]);
    }
  });

  it('round-trips what the new routes return', async () => {
    await client.putUser({ name: 'rita', email: null, groups: [], attributes: {}, principals: {} });
    await client.addOwner('rita', 'api_rc/d');
    expect(await client.listOwners()).toEqual([{ user: 'rita', path: 'api_rc/d' }]);
    const made = await client.createToken({ name: 'rc2', role: 'owner', user: 'rita' });
    expect(made).toMatchObject({ name: 'rc2', role: 'owner', user: 'rita', status: 'active', expiresAt: null });
    expect((await client.listTokens()).map((t) => t.name)).toContain('rc2');
    expect(await client.revokeToken('rc2')).toMatchObject({ name: 'rc2', status: 'revoked' });
    const events = await client.audit({ action: 'token.*' });
    expect(events.map((e) => e.action).slice(0, 2)).toEqual(['token.revoke', 'token.create']);
    expect(events[0]).toMatchObject({ target: 'token:rc2', before: { status: 'active' }, after: { status: 'revoked' } });
  });
});
