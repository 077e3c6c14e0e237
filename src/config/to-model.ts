import type { ConnectionOptions } from '../domain/connection.js';
import type { User } from '../domain/identity.js';
import { decodePath, encodePath } from '../domain/paths.js';
import type { Policy } from '../domain/policy.js';
import type { ConnectionInput } from '../services/connection-service.js';
import type { ConfigFile } from './schema.js';

/** Tags, users and policies: the governance model, wherever it comes from (store or file). */
export interface GovernanceModel {
  readonly users: readonly User[];
  readonly groups: readonly string[];
  readonly policies: readonly Policy[];
  /** `path` is encoded below the connection. */
  readonly tags: readonly { readonly connection: string; readonly path: string; readonly tag: string }[];
}

export function connectionsOf(cfg: ConfigFile): ConnectionInput[] {
  return Object.entries(cfg.connections ?? {}).map(([name, c]) => {
    const options: Partial<ConnectionOptions> = {
      protect: c.protect ?? [],
      databases: c.databases ?? null,
      ...(c.principalTemplate !== undefined ? { principalTemplate: c.principalTemplate } : {}),
      ...(c.drift !== undefined ? { drift: c.drift } : {}),
      ...(c.mode !== undefined ? { mode: c.mode } : {}),
      ...(c.hostPattern !== undefined ? { hostPattern: c.hostPattern } : {}),
      ...(c.ignoreGrantees !== undefined ? { ignoreGrantees: c.ignoreGrantees } : {}),
      ...(c.rolePrefix !== undefined ? { rolePrefix: c.rolePrefix } : {}),
      ...(c.schedule !== undefined ? { schedule: c.schedule } : {}),
      ...(c.views !== undefined ? { views: c.views } : {}),
    };
    return { name, type: c.type, url: c.url, options };
  });
}

/** Convert the identity, tag and policy parts of a file into the model. */
export function modelOf(cfg: ConfigFile): GovernanceModel {
  const users: User[] = Object.entries(cfg.users ?? {}).map(([name, u]) => ({
    name,
    email: u?.email ?? null,
    groups: [...new Set(u?.groups ?? [])].sort(),
    attributes: Object.fromEntries(
      Object.entries(u?.attributes ?? {}).map(([k, v]) => [k, [...new Set(typeof v === 'string' ? [v] : v)].sort()]),
    ),
    principals: { ...(u?.principals ?? {}) },
  }));
  const groups = [...new Set([...(cfg.groups ?? []), ...users.flatMap((u) => u.groups)])].sort();
  const tags: { connection: string; path: string; tag: string }[] = [];
  for (const [full, list] of Object.entries(cfg.tags ?? {})) {
    // parseConfig has checked every tag path (check-file.ts): these decode, below a connection.
    const segs = decodePath(full);
    for (const tag of new Set(list)) tags.push({ connection: segs[0]!, path: encodePath(segs.slice(1)), tag });
  }
  return { users, groups, policies: (cfg.policies ?? []) as Policy[], tags };
}
