import { createHash } from 'node:crypto';
import type { Operation } from '../domain/plan.js';

/**
 * A short, stable identifier of a plan's operations (operations are canonical data, so equal
 * plans have equal digests). `apply` given a digest runs only that plan: what was shown is what
 * runs, or nothing does.
 */
export function planDigest(connection: string, operations: readonly Operation[]): string {
  return createHash('sha256').update(JSON.stringify({ connection, operations }), 'utf8').digest('base64url').slice(0, 22);
}

const SHOWN = 10;

/** How two statement lists differ, for a refusal people can act on. */
export function planDifference(
  before: readonly string[] | null,
  after: readonly string[],
): { summary: string; added: string[]; removed: string[] } {
  if (before === null) return { summary: `it now has ${after.length} statements`, added: after.slice(0, SHOWN), removed: [] };
  const had = new Set(before);
  const has = new Set(after);
  const added = after.filter((s) => !had.has(s));
  const removed = before.filter((s) => !has.has(s));
  const parts: string[] = [];
  if (added.length > 0) parts.push(`${added.length} statements would be added`);
  if (removed.length > 0) parts.push(`${removed.length} no longer needed`);
  if (parts.length === 0) parts.push('the same statements in another order');
  return { summary: parts.join(', '), added: added.slice(0, SHOWN), removed: removed.slice(0, SHOWN) };
}
