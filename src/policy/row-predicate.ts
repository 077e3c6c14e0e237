import type { CompareOp, PredicateOp, RowPredicate, Scalar } from '../domain/policy.js';
import { checkText, DataPolicyProblem } from './data-policy-problem.js';

/** The asking user's values a predicate compares with. */
export type UserRef = { readonly kind: 'groups' } | { readonly kind: 'attribute'; readonly name: string };

/**
 * A row predicate in one canonical form: references parsed, `=` with a reference turned into
 * `in`, the short form `{column, in}` into a list or reference test.
 */
export type NormalPredicate =
  | { readonly kind: 'and' | 'or'; readonly items: readonly NormalPredicate[] }
  | { readonly kind: 'not'; readonly item: NormalPredicate }
  | (Leaf & { readonly kind: 'compare'; readonly op: CompareOp; readonly value: Scalar })
  | (Leaf & { readonly kind: 'inList'; readonly values: readonly Scalar[]; readonly negate: boolean })
  | (Leaf & { readonly kind: 'inUser'; readonly ref: UserRef; readonly negate: boolean })
  | (Leaf & { readonly kind: 'isNull'; readonly negate: boolean });

/** A test on one column; `at` is the path of the predicate object inside its policy. */
interface Leaf {
  readonly column: string;
  readonly at: readonly (string | number)[];
}

const REF_HINT = 'write user.groups or user.attributes.<name>';

/**
 * Parse a reference to the user's values. Returns null for a string that is not one (does
 * not start with `user.`); throws on one that starts like a reference but is malformed, so a
 * typo never silently becomes a literal.
 */
export function parseUserRef(text: string, path: readonly (string | number)[]): UserRef | null {
  if (!text.startsWith('user.')) return null;
  if (text === 'user.groups') return { kind: 'groups' };
  const m = /^user\.attributes\.(.+)$/s.exec(text);
  if (m) return { kind: 'attribute', name: m[1]! };
  throw new DataPolicyProblem(path, `"${text}" is not a user reference`, REF_HINT);
}

export function describeRef(ref: UserRef): string {
  return ref.kind === 'groups' ? 'user.groups' : `user.attributes.${ref.name}`;
}

function scalarOrRef(v: unknown, path: readonly (string | number)[]): Scalar | UserRef {
  if (typeof v === 'string') {
    checkText(v, path);
    return parseUserRef(v, path) ?? v;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new DataPolicyProblem(path, 'must be a finite number', 'write a plain number');
    return v;
  }
  if (typeof v === 'boolean') return v;
  throw new DataPolicyProblem(path, 'must be a string, number or boolean', 'write one value, or a list with in / notIn');
}

const isRef = (v: Scalar | UserRef): v is UserRef => typeof v === 'object';

function literals(v: unknown, path: readonly (string | number)[]): Scalar[] {
  if (!Array.isArray(v) || v.length === 0) throw new DataPolicyProblem(path, 'must be a non-empty list or a user reference', `write [a, b] or ${REF_HINT}`);
  return v.map((item, i) => {
    const s = scalarOrRef(item, [...path, i]);
    if (isRef(s)) throw new DataPolicyProblem([...path, i], 'a user reference cannot be an item of a list', `write the reference alone: ${describeRef(s)}`);
    return s;
  });
}

/**
 * Normalize a predicate, checking what needs no catalog: operators and their values, user
 * references, non-empty `and` / `or`. Throws `DataPolicyProblem` with the field's path.
 */
export function normalizePredicate(p: RowPredicate, path: readonly (string | number)[]): NormalPredicate {
  if (typeof p !== 'object' || p === null) throw new DataPolicyProblem(path, 'must be a predicate object', '{column, op, value}, {and: [...]}, {or: [...]} or {not: ...}');
  if ('and' in p || 'or' in p) {
    const kind = 'and' in p ? 'and' : 'or';
    const items = (p as Record<string, unknown>)[kind];
    if (!Array.isArray(items) || items.length === 0) throw new DataPolicyProblem([...path, kind], 'must be a non-empty list of predicates', 'an empty and/or would decide nothing');
    return { kind, items: items.map((item, i) => normalizePredicate(item as RowPredicate, [...path, kind, i])) };
  }
  if ('not' in p) return { kind: 'not', item: normalizePredicate(p.not, [...path, 'not']) };
  const column = (p as { column?: unknown }).column;
  if (typeof column !== 'string' || column.length === 0) throw new DataPolicyProblem([...path, 'column'], 'must name a column', 'write column: <name>');
  if ('in' in p) return inOf(column, p.in, false, path, 'in');
  const op = (p as { op?: PredicateOp }).op;
  const value = (p as { value?: unknown }).value;
  const valuePath = [...path, 'value'];
  switch (op) {
    case 'isNull':
    case 'isNotNull':
      if (value !== undefined && value !== null) throw new DataPolicyProblem(valuePath, `${op} takes no value`, 'remove value');
      return { kind: 'isNull', column, at: path, negate: op === 'isNotNull' };
    case 'in':
    case 'notIn':
      return inOf(column, value, op === 'notIn', path, 'value');
    case '=':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (value === undefined || value === null) throw new DataPolicyProblem(valuePath, `${op} needs a value`, 'to test for a missing value use op: isNull');
      const v = scalarOrRef(value, valuePath);
      if (isRef(v)) {
        if (op === '=' || op === '!=') return { kind: 'inUser', column, at: path, ref: v, negate: op === '!=' };
        throw new DataPolicyProblem(valuePath, `${op} cannot compare with ${describeRef(v)}`, 'user references work with =, !=, in and notIn; compare with a literal value');
      }
      return { kind: 'compare', column, at: path, op, value: v };
    }
    default:
      throw new DataPolicyProblem([...path, 'op'], `unknown operator ${JSON.stringify(op)}`, 'one of =, !=, <, <=, >, >=, in, notIn, isNull, isNotNull');
  }
}

function inOf(column: string, v: unknown, negate: boolean, at: readonly (string | number)[], key: string): NormalPredicate {
  const path = [...at, key];
  if (typeof v === 'string') {
    const ref = parseUserRef(v, path);
    if (ref === null) throw new DataPolicyProblem(path, 'must be a list or a user reference', `write [a, b] or ${REF_HINT}`);
    return { kind: 'inUser', column, at, ref, negate };
  }
  return { kind: 'inList', column, at, values: literals(v, path), negate };
}

/** The column tests of a predicate, in order of appearance. */
export function predicateLeaves(p: NormalPredicate): Extract<NormalPredicate, Leaf>[] {
  switch (p.kind) {
    case 'and':
    case 'or':
      return p.items.flatMap(predicateLeaves);
    case 'not':
      return predicateLeaves(p.item);
    default:
      return [p];
  }
}
