import * as crypto from 'node:crypto';
import type { ColumnInfo, DiscoveredObject } from '../domain/catalog.js';
import { encodeColumns } from '../domain/column-list.js';

/**
 * SHA-1 in base64. Node's one-shot `crypto.hash` (20.12 and later) makes no Hash object: about
 * half the cost per fingerprint of `createHash` at 100,000 objects; older Node 20s use the latter.
 */
const sha1: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha1', text, 'base64')
    : (text) => crypto.createHash('sha1').update(text).digest('base64');

/** Marks a fingerprint of the second form; the first form is bare base64, which has no ':'. */
const V2 = '2:';

/** The columns' text form: as the platform read it, or made from its column objects. */
export function columnsTextOf(o: DiscoveredObject): string | null {
  return o.columnsText ?? (o.columns !== undefined ? encodeColumns(o.columns) : null);
}

/** What both forms hash before and after the columns. */
const head = (o: DiscoveredObject): string => `${o.kind}\u0000${o.owner ?? '\u0001'}\u0000${o.comment ?? '\u0001'}`;
function tail(o: DiscoveredObject): string {
  let text = o.partitionOf ? `\u0003${o.partitionOf.join('\u0000')}` : '';
  for (const q of o.sequences ?? []) text += `\u0004${q.join('\u0000')}`;
  return text;
}

/**
 * A stable digest of everything sync stores about an object, so an unchanged catalog is
 * recognised by comparing one string per object and a sync that finds no change writes nothing.
 * The columns enter as their text form (`columnsTextOf`, passed in when the caller has it),
 * which a platform may read ready-made: no column object is made to fingerprint a relation.
 */
export function fingerprintOf(o: DiscoveredObject, columnsText: string | null = columnsTextOf(o)): string {
  return V2 + sha1(`${head(o)}\u0000${columnsText ?? ''}${tail(o)}`);
}

/** Whether a stored fingerprint is of the current (second) form. */
export function isCurrentForm(stored: string): boolean {
  return stored.startsWith(V2);
}

/**
 * Whether `stored`, a fingerprint from the store, is that of `o`, whose fingerprint is
 * `current`: equal, or of the first form (stores synced before the second) and equal to it.
 */
export function sameFingerprint(stored: string, current: string, o: DiscoveredObject): boolean {
  if (stored === current) return true;
  return !stored.startsWith(V2) && firstFormFingerprintOf(o) === stored;
}

/**
 * The first form, stored by syncs before the second: the columns field by field (so decoded
 * from `columnsText` when that is how they came). Kept to recognise those fingerprints, not to
 * make new ones.
 */
export function firstFormFingerprintOf(o: DiscoveredObject): string {
  let columns = '';
  for (const c of o.columns ?? []) columns += `\u0002${columnKey(c)}`;
  return sha1(head(o) + columns + tail(o));
}

export function columnKey(c: ColumnInfo): string {
  return `${c.name}\u0000${c.type}\u0000${c.nullable ? 1 : 0}\u0000${c.position}\u0000${c.comment ?? '\u0001'}`;
}
