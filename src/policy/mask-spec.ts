import type { MaskPolicy, RoundUnit, Scalar } from '../domain/policy.js';
import { ROUND_UNITS } from '../domain/policy.js';
import { checkText, DataPolicyProblem } from './data-policy-problem.js';

/** A mask in one canonical form. */
export type NormalMask =
  | { readonly kind: 'null' }
  | { readonly kind: 'constant'; readonly value: Scalar }
  | { readonly kind: 'hash'; readonly salt: string | null }
  | { readonly kind: 'regex'; readonly pattern: string; readonly replacement: string }
  | { readonly kind: 'roundStep'; readonly step: number }
  | { readonly kind: 'roundUnit'; readonly unit: RoundUnit }
  | { readonly kind: 'partial'; readonly keepFirst: number; readonly keepLast: number };

const SHAPES = 'null, hash, {constant: V}, {hash: {salt}}, {regex: {pattern, replacement}}, {round: {step} | {unit}}, {partial: {keepFirst, keepLast}}';

/**
 * Normalize a policy's mask, checking what needs no catalog. Also reads the flat shape stored
 * before masks were enforced (`mask: constant` + `value`, `mask: regex` + `pattern` /
 * `replacement`), so that a store written by an older Steward keeps its meaning.
 */
export function normalizeMask(policy: MaskPolicy): NormalMask {
  const m: unknown = policy.mask;
  const legacy = policy as unknown as { value?: unknown; pattern?: unknown; replacement?: unknown };
  if (m === null || m === 'null') return { kind: 'null' };
  if (m === 'hash') return { kind: 'hash', salt: null };
  if (m === 'constant' && 'value' in legacy) return constantOf(legacy.value, ['value']);
  if (m === 'regex' && typeof legacy.pattern === 'string') return regexOf(legacy.pattern, typeof legacy.replacement === 'string' ? legacy.replacement : '', ['pattern']);
  if (typeof m !== 'object' || Array.isArray(m)) throw new DataPolicyProblem(['mask'], `unknown mask ${JSON.stringify(m)}`, `one of ${SHAPES}`);
  const keys = Object.keys(m);
  if (keys.length !== 1) throw new DataPolicyProblem(['mask'], 'must have exactly one kind', `one of ${SHAPES}`);
  const key = keys[0]!;
  const body = (m as Record<string, unknown>)[key];
  const at = ['mask', key];
  switch (key) {
    case 'constant':
      return constantOf(body, at);
    case 'hash': {
      const salt = (body as { salt?: unknown } | null)?.salt;
      if (salt !== undefined && (typeof salt !== 'string' || salt.length === 0)) throw new DataPolicyProblem([...at, 'salt'], 'must be a non-empty string', 'or leave it out to use the connection\'s views.hashSalt');
      if (typeof salt === 'string') checkText(salt, [...at, 'salt']);
      return { kind: 'hash', salt: salt ?? null };
    }
    case 'regex': {
      const r = body as { pattern?: unknown; replacement?: unknown } | null;
      if (typeof r?.pattern !== 'string' || r.pattern.length === 0) throw new DataPolicyProblem([...at, 'pattern'], 'must be a non-empty string', 'a regular expression of the database');
      if (typeof r.replacement !== 'string') throw new DataPolicyProblem([...at, 'replacement'], 'must be a string', 'the text put in place of each match');
      return regexOf(r.pattern, r.replacement, at);
    }
    case 'round': {
      const r = body as { step?: unknown; unit?: unknown } | null;
      if (r !== null && typeof r === 'object' && 'step' in r) {
        if (typeof r.step !== 'number' || !Number.isFinite(r.step) || r.step <= 0) throw new DataPolicyProblem([...at, 'step'], 'must be a positive number', 'e.g. step: 10');
        return { kind: 'roundStep', step: r.step };
      }
      if (r !== null && typeof r === 'object' && typeof r.unit === 'string' && (ROUND_UNITS as readonly string[]).includes(r.unit)) {
        return { kind: 'roundUnit', unit: r.unit as RoundUnit };
      }
      throw new DataPolicyProblem(at, 'needs step (numbers) or unit (dates)', `unit is one of ${ROUND_UNITS.join(', ')}`);
    }
    case 'partial': {
      const p = (body ?? {}) as { keepFirst?: unknown; keepLast?: unknown };
      const count = (v: unknown, f: string): number => {
        if (v === undefined) return 0;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1000) throw new DataPolicyProblem([...at, f], 'must be a whole number from 0 to 1000', 'how many characters stay visible');
        return v;
      };
      return { kind: 'partial', keepFirst: count(p.keepFirst, 'keepFirst'), keepLast: count(p.keepLast, 'keepLast') };
    }
    default:
      throw new DataPolicyProblem(['mask'], `unknown mask "${key}"`, `one of ${SHAPES}`);
  }
}

function constantOf(v: unknown, at: readonly (string | number)[]): NormalMask {
  if (v === null) return { kind: 'null' };
  if (typeof v === 'number' && !Number.isFinite(v)) throw new DataPolicyProblem(at, 'must be a finite number', 'write a plain number');
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new DataPolicyProblem(at, 'must be a string, number, boolean or null', 'a value of the column\'s type');
  if (typeof v === 'string') checkText(v, at);
  return { kind: 'constant', value: v };
}

function regexOf(pattern: string, replacement: string, at: readonly (string | number)[]): NormalMask {
  checkText(pattern, [...at, 'pattern']);
  checkText(replacement, [...at, 'replacement']);
  // Only the escapes both engines read the same way: `\1`..`\9` and `\\`. PostgreSQL reads
  // `\&` as the whole match and MariaDB as `&`; MariaDB reads `\0` as the whole match and
  // PostgreSQL literally. Refusing the rest keeps one meaning everywhere.
  for (let i = 0; i < replacement.length; i++) {
    if (replacement[i] !== '\\') continue;
    const next = replacement[i + 1];
    if (next === '\\' || (next !== undefined && next >= '1' && next <= '9')) {
      i++;
      continue;
    }
    throw new DataPolicyProblem([...at, 'replacement'], `"\\${next ?? ''}" is not a supported escape`, 'use \\1 to \\9 for groups and \\\\ for a backslash');
  }
  return { kind: 'regex', pattern, replacement };
}
