import { connectionsOf } from '../config/to-model.js';
import { StewardError, notFound } from '../domain/errors.js';
import { decodePath } from '../domain/paths.js';
import type { Services } from '../services/container.js';
import type { ApplyView, StewardClient } from './steward-client.js';
import { planView } from './steward-client.js';
import { validateConnection } from '../services/connection-service.js';

/**
 * The client that works on the store directly (the embedded store belongs to one process at a
 * time; with a server running, use the remote client). Also what the API routes call.
 */
export function createLocalClient(s: Services, actor: string): StewardClient {
  return {
    listConnections: () => s.connections.list(),
    getConnection: (name) => s.connections.get(name),
    addConnection: (input, opts) => s.connections.add(input, actor, opts),
    removeConnection: (name) => s.connections.remove(name, actor),
    checkConnection: (name) => s.connections.check(name),

    async sync(connection, under) {
      const segs = under ? decodePath(under) : [];
      if (segs.length > 0 && segs[0] !== connection) {
        throw new StewardError('invalid_input', `path: "${under}" is not under connection "${connection}"`, { hint: `start the path with ${connection}/` });
      }
      return s.syncConnection(connection, segs.slice(1));
    },
    browse: (path, opts) => s.catalog.browse(path, opts),
    search: (text, opts) => s.catalog.search(text, opts),

    async plan(config, connection) {
      const model = await s.config.previewModel(config);
      const fileConns = connectionsOf(config);
      const names = connection ? [connection] : fileConns.map((c) => c.name);
      if (connection && !fileConns.some((c) => c.name === connection) && !(await s.connections.list()).some((c) => c.name === connection)) {
        throw notFound('connection', connection, 'name a connection of the file or a registered one');
      }
      const out = [];
      for (const name of names) {
        const fromFile = fileConns.find((c) => c.name === name);
        if (fromFile) {
          // Plan against the file's connection definition without storing it.
          const v = validateConnection(fromFile, s.platforms);
          const spec = { name, type: v.type, url: fromFile.url, options: v.options };
          out.push(planView(await s.reconcile.plan(name, model, { spec, platform: v.platform })));
        } else {
          out.push(planView(await s.reconcile.plan(name, model)));
        }
      }
      return out;
    },
    storeConfig: (config) => s.config.store(config, actor),
    async applyConnection(connection, opts): Promise<ApplyView> {
      const r = await s.reconcile.apply(connection, () => s.config.loadModel(), { actor, ...(opts.force ? { force: true } : {}), ...(opts.sync === false ? { sync: false } : {}) });
      return {
        connection: r.connection,
        status: r.status,
        plan: planView(r.plan),
        sync: r.sync ? { objects: r.sync.objects, ms: r.sync.ms, added: r.sync.added.length, changed: r.sync.changed.length, removed: r.sync.removed.length } : null,
        results: r.results,
        ...(r.error ? { error: r.error } : {}),
        auditId: r.auditId,
      };
    },

    status: () => s.status(),
    explain: (user, path) => s.access.explain(user, path),
    whoCan: (path) => s.access.whoCan(path),
    audit: (filter) => s.audit.list(filter),
    async auditEvent(id) {
      const e = await s.audit.get(id);
      if (!e) throw notFound('audit event', String(id));
      return e;
    },

    listUsers: () => s.identities.listUsers(),
    putUser: (user) => s.identities.putUser(user, actor),
    deleteUser: (name) => s.identities.deleteUser(name, actor),
    listGroups: () => s.identities.listGroups(),
    addGroup: (name) => s.identities.addGroup(name, actor),
    deleteGroup: (name) => s.identities.deleteGroup(name, actor),
    listPolicies: () => s.identities.listPolicies(),
    putPolicy: (p) => s.identities.putPolicy(p, actor),
    deletePolicy: (name) => s.identities.deletePolicy(name, actor),
    listTags: (connection) => s.identities.listTags(connection),
    tag: (path, tag) => s.identities.tag(path, tag, actor),
    untag: (path, tag) => s.identities.untag(path, tag, actor),

    listWebhooks: () => s.webhooks.list(),
    addWebhook: (input) => s.webhooks.add(input, actor),
    removeWebhook: (id) => s.webhooks.remove(id, actor),
    rotateWebhookSecret: (id, graceMs) => s.webhooks.rotate(id, actor, graceMs),
    enableWebhook: (id) => s.webhooks.enable(id, actor),
    webhookDeliveries: (id, limit) => s.webhooks.deliveries(id, limit),
    redeliverWebhook: (id, delivery) => s.webhooks.redeliver(id, delivery, actor),

    close: () => s.close(),
  };
}
