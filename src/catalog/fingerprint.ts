import { createHash } from 'node:crypto';
import type { ColumnInfo, DiscoveredObject } from '../domain/catalog.js';

/**
 * A stable digest of everything sync stores about an object, so an unchanged catalog is
 * recognised by comparing one string per object and a sync that finds no change writes nothing.
 */
export function fingerprintOf(o: DiscoveredObject): string {
  const h = createHash('sha1');
  h.update(o.kind);
  h.update('\u0000');
  h.update(o.owner ?? '\u0001');
  h.update('\u0000');
  h.update(o.comment ?? '\u0001');
  for (const c of o.columns ?? []) {
    h.update('\u0002');
    h.update(columnKey(c));
  }
  // Partitions and sequences, only when present: fingerprints of other objects stay as they were.
  if (o.partitionOf) h.update(`\u0003${o.partitionOf.join('\u0000')}`);
  for (const q of o.sequences ?? []) h.update(`\u0004${q.join('\u0000')}`);
  return h.digest('base64');
}

export function columnKey(c: ColumnInfo): string {
  return `${c.name}\u0000${c.type}\u0000${c.nullable ? 1 : 0}\u0000${c.position}\u0000${c.comment ?? '\u0001'}`;
}
