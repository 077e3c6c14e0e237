import { connectionsOf, modelOf, type GovernanceModel } from '../config/to-model.js';
import type { ConfigFile } from '../config/schema.js';
import type { Db, Executor } from '../store/db.js';
import { identitiesRepo } from '../store/identities-repo.js';
import { policiesRepo } from '../store/policies-repo.js';
import { tagsRepo } from '../store/tags-repo.js';
import type { AuditService } from './audit-service.js';
import type { ConnectionService } from './connection-service.js';

const FILE = 'file';

export interface ConfigApplyResult {
  readonly connections: Record<string, 'created' | 'updated' | 'unchanged'>;
  readonly users: number;
  readonly groups: number;
  readonly policies: number;
  readonly tags: number;
}

/**
 * Policy as code: a configuration file owns everything it declares (source `file`); objects
 * made over the API or CLI (source `api`) are left alone. Storing a file is one transaction.
 */
export function createConfigService(deps: { db: Db; connections: ConnectionService; audit: AuditService }) {
  const { db } = deps;

  async function loadModel(tx: Executor = db): Promise<GovernanceModel & { sources: Map<string, string> }> {
    const users = await identitiesRepo.users(tx);
    const groups = await identitiesRepo.groups(tx);
    const policies = await policiesRepo.list(tx);
    const tags = await tagsRepo.list(tx);
    const sources = new Map<string, string>();
    for (const u of users) sources.set(`user:${u.name}`, u.source);
    for (const p of policies) sources.set(`policy:${p.policy.name}`, p.source);
    return {
      users: users.map(({ source: _s, ...u }) => u),
      groups: groups.map((g) => g.name),
      policies: policies.map((p) => p.policy),
      tags: tags.map((t) => ({ connection: t.connection, path: t.path, tag: t.tag, source: t.source })),
      sources,
    };
  }

  return {
    loadModel,

    /**
     * The model as it would be after storing `cfg`, without storing it (for `plan`): file-sourced
     * entries of the store are replaced by the file's.
     */
    async previewModel(cfg: ConfigFile): Promise<GovernanceModel> {
      const stored = await loadModel();
      const file = modelOf(cfg);
      const fileUsers = new Set(file.users.map((u) => u.name));
      const filePolicies = new Set(file.policies.map((p) => p.name));
      return {
        users: [...stored.users.filter((u) => stored.sources.get(`user:${u.name}`) !== FILE && !fileUsers.has(u.name)), ...file.users],
        groups: [...new Set([...stored.groups, ...file.groups])],
        policies: [...stored.policies.filter((p) => stored.sources.get(`policy:${p.name}`) !== FILE && !filePolicies.has(p.name)), ...file.policies],
        tags: [...(stored.tags as { source?: string; connection: string; path: string; tag: string }[]).filter((t) => t.source !== FILE), ...file.tags],
      };
    },

    /** Store a configuration file; connections whose URL changed are verified by connecting. */
    async store(cfg: ConfigFile, actor: string): Promise<ConfigApplyResult> {
      const model = modelOf(cfg);
      return db.transaction(async (tx) => {
        const before = await fileOwned(tx);
        const connections: ConfigApplyResult['connections'] = {};
        for (const c of connectionsOf(cfg)) connections[c.name] = await deps.connections.upsert(c, actor, tx);
        await identitiesRepo.ensureGroups(tx, model.groups, FILE);
        await identitiesRepo.putUsers(tx, model.users, FILE);
        await identitiesRepo.pruneSource(tx, FILE, model.users.map((u) => u.name), model.groups);
        await tagsRepo.deleteSource(tx, FILE);
        await tagsRepo.add(tx, model.tags, FILE);
        for (const p of model.policies) await policiesRepo.put(tx, p, FILE);
        await policiesRepo.pruneSource(tx, FILE, model.policies.map((p) => p.name));
        const result = { connections, users: model.users.length, groups: model.groups.length, policies: model.policies.length, tags: model.tags.length };
        await deps.audit.record(tx, {
          actor,
          action: 'config.store',
          target: 'config',
          outcome: 'ok',
          before,
          after: await fileOwned(tx),
          summary: `${result.users} users, ${result.groups} groups, ${result.policies} policies, ${result.tags} tags`,
          details: result,
        });
        return result;
      });
    },
  };
}

/** What the configuration file owns, compactly (policies by name), for the audit's before and after. */
async function fileOwned(tx: Executor): Promise<unknown> {
  const rows = await tx.query(
    `SELECT (SELECT coalesce(array_agg(name ORDER BY name), '{}') FROM connections WHERE source = $1) AS connections,
            (SELECT count(*)::int FROM users WHERE source = $1) AS users,
            (SELECT count(*)::int FROM groups WHERE source = $1) AS groups,
            (SELECT count(*)::int FROM tags WHERE source = $1) AS tags,
            (SELECT coalesce(array_agg(name ORDER BY name), '{}') FROM policies WHERE source = $1) AS policies`,
    [FILE],
  );
  return rows[0];
}

export type ConfigService = ReturnType<typeof createConfigService>;
