import type { GovernanceModel } from '../config/to-model.js';
import type { DiscoveredObject } from '../domain/catalog.js';
import type { ConnectionSpec } from '../domain/connection.js';
import { decodePath, encodePath } from '../domain/paths.js';
import type { CatalogEntry, PolicyInput } from '../policy/input.js';
import type { Platform } from '../platforms/platform.js';
import type { LiveObject } from '../store/objects-repo.js';

/** Catalog objects from the store (live only) or straight from an introspection (plan without storing). */
export type CatalogSource =
  | { readonly kind: 'stored'; readonly objects: readonly LiveObject[] }
  | { readonly kind: 'discovered'; readonly objects: readonly DiscoveredObject[] };

/** Assemble the pure policy engine's input for one connection. */
export function buildPolicyInput(
  spec: ConnectionSpec,
  platform: Platform,
  model: GovernanceModel,
  catalog: CatalogSource,
  now: Date,
): PolicyInput {
  const tagsByPath = new Map<string, string[]>();
  for (const t of model.tags) {
    if (t.connection !== spec.name) continue;
    const list = tagsByPath.get(t.path);
    if (list) list.push(t.tag);
    else tagsByPath.set(t.path, [t.tag]);
  }
  const entries: CatalogEntry[] = [];
  if (catalog.kind === 'stored') {
    for (const o of catalog.objects) {
      if (o.removedAt !== null) continue;
      entries.push({
        segments: decodeStored(o),
        kind: o.kind,
        owner: o.owner,
        tags: tagsByPath.get(o.path) ?? [],
        columns: (o.columns ?? [])
          .filter((c) => c.removedAt === undefined)
          .map((c) => ({ name: c.name, type: c.type, tags: tagsByPath.get(`${o.path}/${encodePath([c.name])}`) ?? [] })),
        ...(o.partitionOf !== null ? { partitionOf: decodePath(o.partitionOf) } : {}),
        ...(o.sequences !== null ? { sequences: o.sequences } : {}),
      });
    }
  } else {
    for (const o of catalog.objects) {
      const path = encodePath(o.segments);
      entries.push({
        segments: o.segments,
        kind: o.kind,
        owner: o.owner,
        tags: tagsByPath.get(path) ?? [],
        columns: (o.columns ?? []).map((c) => ({ name: c.name, type: c.type, tags: tagsByPath.get(`${path}/${encodePath([c.name])}`) ?? [] })),
        ...(o.partitionOf ? { partitionOf: o.partitionOf } : {}),
        ...(o.sequences ? { sequences: o.sequences } : {}),
      });
    }
  }
  return {
    connection: spec.name,
    options: spec.options,
    capabilities: platform.capabilities,
    catalog: entries,
    users: model.users,
    policies: model.policies,
    now,
    systemAccount: platform.parseUrl(spec.url).user,
  };
}

function decodeStored(o: LiveObject): string[] {
  // Parent path plus own raw name: avoids re-parsing escapes of the whole path.
  return o.parent === '' ? [o.name] : [...splitEncoded(o.parent), o.name];
}

// Many relations share a parent schema: decode each parent path once.
const cache = new Map<string, string[]>();
function splitEncoded(parent: string): string[] {
  let hit = cache.get(parent);
  if (!hit) {
    hit = decodePath(parent);
    if (cache.size > 10_000) cache.clear();
    cache.set(parent, hit);
  }
  return hit;
}
