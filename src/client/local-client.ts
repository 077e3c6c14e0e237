import { StewardError, notFound } from '../domain/errors.js';
import { decodePath } from '../domain/paths.js';
import type { Services } from '../services/container.js';
import type { ApplyView, StewardClient } from './steward-client.js';
import { applyView } from './steward-client.js';
import { removeConnection } from './remove-connection.js';

/**
 * The client that works on the store directly (the embedded store belongs to one process at a
 * time; with a server running, use the remote client). Also what the API routes call.
 */
export function createLocalClient(s: Services, actor: string): StewardClient {
  return {
    listConnections: () => s.connections.list(),
    getConnection: (name) => s.connections.get(name),
    addConnection: (input, opts) => s.connections.add(input, actor, opts),
    removeConnection: (name, opts) => removeConnection(s, actor, name, { revoke: opts?.revoke === true, keep: opts?.keep === true }),
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
      return s.applier.plan(config, connection);
    },
    storeConfig: (config) => s.config.store(config, actor),
    async applyConfig(config, opts) {
      const r = await s.applier.apply(config, {
        actor,
        ...(opts.connection ? { connection: opts.connection } : {}),
        ...(opts.force ? { force: true } : {}),
        ...(opts.sync === false ? { sync: false } : {}),
        ...(opts.expect ? { expect: opts.expect } : {}),
        ...(opts.onStatement ? { onStatement: opts.onStatement } : {}),
      });
      return { stored: r.stored, connections: r.connections.map(applyView) };
    },
    async applyConnection(connection, opts): Promise<ApplyView> {
      const r = await s.reconcile.apply(connection, () => s.config.modelFor(connection), { actor, ...(opts.force ? { force: true } : {}), ...(opts.sync === false ? { sync: false } : {}) });
      return applyView(r);
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
