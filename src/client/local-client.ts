import { dataPolicyNeeds } from '../reconcile/data-policy-needs.js';
import { objectsRepo } from '../store/objects-repo.js';
import { StewardError, notFound, toStewardError } from '../domain/errors.js';
import { decodePath } from '../domain/paths.js';
import type { Services } from '../services/container.js';
import type { ApplyView, StewardClient } from './steward-client.js';
import { applyView } from './steward-client.js';
import { removeConnection } from './remove-connection.js';
import { atConfigLines } from '../config/locate-policy-error.js';

interface Attempt {
  readonly action: string;
  readonly connection?: string | null;
  readonly target?: string;
}

/**
 * The client that works on the store directly (the embedded store belongs to one process at a
 * time; with a server running, use the remote client). Also what the API routes call.
 *
 * Every change is audited by the service that makes it, in the same transaction. A change that
 * fails is audited here too (outcome `error`, with the error's one-line reason): someone trying
 * to register a connection with a wrong password, or to delete a policy that is not there,
 * belongs in the log as much as a success does.
 */
export function createLocalClient(s: Services, actor: string): StewardClient {
  async function attempt<T>(what: Attempt, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const e = toStewardError(err);
      // A failure about one connection (unreachable, locked by another apply) is filed under it.
      const about = (e.details as { connection?: unknown } | null | undefined)?.connection;
      const connection = what.connection ?? (typeof about === 'string' ? about : null);
      // The failure itself is what the caller needs; a store too broken to record it will say so on the next call.
      await s.audit
        .record(s.db, {
          actor, action: what.action, connection, ...(what.target !== undefined ? { target: what.target } : {}),
          outcome: 'error', summary: `${e.code}: ${e.message}`,
        })
        .catch(() => undefined);
      throw err;
    }
  }

  async function applyConnection(connection: string, opts: { force?: boolean; sync?: boolean }): Promise<ApplyView> {
    return attempt({ action: 'apply', connection }, async () => {
      const r = await s.reconcile.apply(connection, () => s.config.modelFor(connection), { actor, ...(opts.force ? { force: true } : {}), ...(opts.sync === false ? { sync: false } : {}) });
      return applyView(r);
    });
  }

  const storeConfig: StewardClient['storeConfig'] = (config) => attempt({ action: 'config.store', target: 'config' }, () => s.config.store(config, actor));

  const policyName = (p: unknown): string => {
    const name = (p as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? name : '?';
  };

  return {
    listConnections: () => s.connections.list(),
    getConnection: (name) => s.connections.get(name),
    addConnection: (input, opts) => attempt({ action: 'connection.add', connection: input.name }, () => s.connections.add(input, actor, opts)),
    removeConnection: (name, opts) =>
      attempt({ action: 'connection.remove', connection: name }, () => removeConnection(s, actor, name, { revoke: opts?.revoke === true, keep: opts?.keep === true })),
    checkConnection: (name) =>
      s.connections.check(name, async (spec, platform) =>
        dataPolicyNeeds(spec, platform, await s.config.loadModel(), await objectsRepo.live(s.db, name, { withColumns: true }), new Date()),
      ),

    sync: (connection, under) =>
      attempt({ action: 'sync', connection }, async () => {
        const segs = under ? decodePath(under) : [];
        if (segs.length > 0 && segs[0] !== connection) {
          throw new StewardError('invalid_input', `path: "${under}" is not under connection "${connection}"`, { hint: `start the path with ${connection}/` });
        }
        const r = await s.syncConnection(connection, segs.slice(1));
        const counts = { objects: r.objects, added: r.added.length, changed: r.changed.length, removed: r.removed.length };
        await s.audit.record(s.db, {
          actor, action: 'sync', connection, ...(under ? { target: `object:${under}` } : {}), outcome: 'ok',
          summary: `${counts.objects} objects: ${counts.added} added, ${counts.changed} changed, ${counts.removed} removed`, after: counts,
        });
        return r;
      }),
    browse: (path, opts) => s.catalog.browse(path, opts),
    search: (text, opts) => s.catalog.search(text, opts),

    async plan(config, connection) {
      // Plan-time errors about a policy point at its line of the configuration.
      return atConfigLines(config, () => s.applier.plan(config, connection));
    },
    storeConfig,
    applyConnection,
    applyConfig: (config, opts) =>
      attempt({ action: 'apply', target: 'config', ...(opts.connection ? { connection: opts.connection } : {}) }, async () => {
        // Plan-time errors about a policy point at its line of the configuration.
        const r = await atConfigLines(config, () => s.applier.apply(config, {
          actor,
          ...(opts.connection ? { connection: opts.connection } : {}),
          ...(opts.force ? { force: true } : {}),
          ...(opts.sync === false ? { sync: false } : {}),
          ...(opts.expect ? { expect: opts.expect } : {}),
          ...(opts.onStatement ? { onStatement: opts.onStatement } : {}),
          ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        }));
        return { stored: r.stored, connections: r.connections.map(applyView) };
      }),

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
    putUser: (user) => attempt({ action: 'user.put', target: `user:${user.name}` }, () => s.identities.putUser(user, actor)),
    deleteUser: (name) => attempt({ action: 'user.delete', target: `user:${name}` }, () => s.identities.deleteUser(name, actor)),
    listGroups: () => s.identities.listGroups(),
    addGroup: (name) => attempt({ action: 'group.add', target: `group:${name}` }, () => s.identities.addGroup(name, actor)),
    deleteGroup: (name) => attempt({ action: 'group.delete', target: `group:${name}` }, () => s.identities.deleteGroup(name, actor)),
    listPolicies: () => s.identities.listPolicies(),
    putPolicy: (p) => attempt({ action: 'policy.put', target: `policy:${policyName(p)}` }, () => s.identities.putPolicy(p, actor)),
    deletePolicy: (name) => attempt({ action: 'policy.delete', target: `policy:${name}` }, () => s.identities.deletePolicy(name, actor)),
    listTags: (connection) => s.identities.listTags(connection),
    tag: (path, tag) => attempt({ action: 'tag.add', target: `object:${path}` }, () => s.identities.tag(path, tag, actor)),
    untag: (path, tag) => attempt({ action: 'tag.remove', target: `object:${path}` }, () => s.identities.untag(path, tag, actor)),
    listOwners: (filter) => s.owners.list(filter),
    addOwner: (user, path) => attempt({ action: 'owner.add', target: `owner:${user}@${path}` }, () => s.owners.add(user, path, actor)),
    removeOwner: (user, path) => attempt({ action: 'owner.remove', target: `owner:${user}@${path}` }, () => s.owners.remove(user, path, actor)),

    createToken: (input) => attempt({ action: 'token.create', target: `token:${input.name}` }, () => s.tokens.create(input, actor)),
    listTokens: () => s.tokens.list(),
    revokeToken: (name) => attempt({ action: 'token.revoke', target: `token:${name}` }, () => s.tokens.revoke(name, actor)),

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
