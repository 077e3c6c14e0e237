import { hasLoneSurrogate } from '../domain/principal-name.js';
import type { FieldPath } from './issues.js';

/**
 * The first string (key or value) in `value` that no store or database keeps exactly: one
 * holding NUL (PostgreSQL text cannot) or a lone surrogate (not Unicode, so not UTF-8).
 * For input that did not come through the YAML loader (API bodies).
 */
export function badText(value: unknown, path: FieldPath = []): { path: FieldPath; value: string; problem: string; hint: string } | null {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return { path, value, problem: 'contains a NUL character', hint: 'remove the NUL (\\0): no database or store keeps it' };
    if (hasLoneSurrogate(value)) {
      return { path, value, problem: 'is not valid Unicode (a lone surrogate)', hint: 'write a character outside the BMP as one escape (\\U0001F600), not as two \\u halves' };
    }
    return null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = badText(value[i], [...path, i]);
      if (bad) return bad;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const bad = badText(k, [...path, k]) ?? badText(v, [...path, k]);
      if (bad) return bad;
    }
  }
  return null;
}
