import type { Securable } from '../domain/access.js';
import { isRelationKind } from '../domain/catalog.js';
import { securableSortKey } from '../domain/canonical-state.js';
import type { CatalogEntry } from '../policy/input.js';

/**
 * Does the catalog know this object? Relations and the sequences of their defaults are known
 * once synced; a column is known with its table; containers always are. A grant on an object
 * the catalog has not seen (a table created since the last sync, given access by default
 * privileges) is left alone until a sync shows what it is — a drift check run before the sync
 * must never take away what the policies give.
 */
export function knownObjects(catalog: readonly CatalogEntry[]): (s: Securable) => boolean {
  const known = new Set<string>();
  for (const e of catalog) {
    if (!isRelationKind(e.kind)) continue;
    known.add(securableSortKey({ kind: 'table', segments: e.segments }));
    for (const q of e.sequences ?? []) known.add(securableSortKey({ kind: 'sequence', segments: [e.segments[0]!, ...q] }));
  }
  return (s) => {
    switch (s.kind) {
      case 'table':
      case 'sequence':
        return known.has(securableSortKey(s));
      case 'column':
        return known.has(securableSortKey({ kind: 'table', segments: s.segments.slice(0, -1) }));
      default:
        return true;
    }
  };
}
