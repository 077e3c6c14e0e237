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
      const { model, warnings, enforce } = await s.config.preview(config);
      const fileConns = connectionsOf(config);
      // A file without connections: plans every registered one (never "no changes" with changes pending).
      const names = connection ? [connection] : [...enforce];
      if (connection && !fileConns.some((c) => c.name === connection) && !(await s.connections.list()).some((c) => c.name === connection)) {
        throw notFound('connection', connection, 'name a connection of the file or a registered one');
      }
      if (names.length === 0) {
        throw new StewardError('invalid_input', 'connections: the configuration declares no connection and none is registered', {
          hint: 'add a connections: section, or register one with steward connection add',
        });
      }
      const mine = (name: string) => warnings.filter((w) => w.connection === undefined || w.connection === name);
      const out = [];
      for (const name of names) {
        const fromFile = fileConns.find((c) => c.name === name);
        if (fromFile) {
          // Plan against the file's connection definition without storing it.
          const v = validateConnection(fromFile, s.platforms);
          const spec = { name, type: v.type, url: fromFile.url, options: v.options };
          out.push({ ...planView(await s.reconcile.plan(name, model, { spec, platform: v.platform })), warnings: mine(name) });
        } else {
          out.push({ ...planView(await s.reconcile.plan(name, model)), warnings: mine(name) });
        }
      }
      return out;
    },
    storeConfig: (config) => s.config.store(config, actor),
    async applyConnection(connection, opts): Promise<ApplyView> {
      const r = await s.reconcile.apply(connection, () => s.config.modelFor(connection), { actor, ...(opts.force ? { force: true } : {}), ...(opts.sync === false ? { sync: false } : {}) });
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

    close: () => s.close(),
  };
}
