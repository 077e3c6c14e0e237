import type { TypeFamily } from '../domain/column-types.js';
import type { Scalar } from '../domain/policy.js';
import type { ViewPredicate } from '../domain/secure-view.js';

/** Alias of the base table inside a secure view; every column reference is qualified with it. */
export const T = 't';
/** Alias of the profile view inside a view's subqueries. */
export const P = 'p';

const OPS: Record<string, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** What differs between dialects when a view predicate becomes SQL. */
export interface PredicateSyntax {
  readonly quoteIdent: (name: string) => string;
  /** The dialect's one value-literal function. */
  readonly literal: (value: Scalar) => string;
  /** The asking user's profile rows (`system.user_profile`), quoted. */
  readonly profile: string;
  /** A column as compared with literals. */
  operand(column: string, family: TypeFamily): string;
  /** A column's exact text, as compared with the user's values. */
  columnText(column: string): string;
  /** `text` is (not) among the rows of `values` (a subquery of the profile). */
  amongValues(text: string, values: string, negate: boolean): string;
}

/** `t."column"` in the dialect's quoting. */
export const columnRef = (s: Pick<PredicateSyntax, 'quoteIdent'>, name: string): string => `${T}.${s.quoteIdent(name)}`;

/**
 * A view predicate in SQL, the same structure on every dialect. Profile reads are uncorrelated
 * subqueries of the profile view, which the servers evaluate once per query, not per row.
 */
export function renderPredicate(p: ViewPredicate, s: PredicateSyntax): string {
  const kindIs = (kind: string): string => `${P}.${s.quoteIdent('kind')} = ${s.literal(kind)}`;
  const exists = (conditions: string): string => `EXISTS (SELECT 1 FROM ${s.profile} AS ${P} WHERE ${conditions})`;
  switch (p.kind) {
    case 'const':
      return p.value ? 'TRUE' : 'FALSE';
    case 'and':
    case 'or':
      return `(${p.items.map((i) => renderPredicate(i, s)).join(p.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${renderPredicate(p.item, s)})`;
    case 'isFalse':
      return `(${renderPredicate(p.item, s)} IS FALSE)`;
    case 'isNull':
      return `(${columnRef(s, p.column)} IS ${p.negate ? 'NOT ' : ''}NULL)`;
    case 'compare':
      return `(${s.operand(p.column, p.family)} ${OPS[p.op]!} ${s.literal(p.value)})`;
    case 'inList':
      return `(${s.operand(p.column, p.family)} ${p.negate ? 'NOT IN' : 'IN'} (${p.values.map(s.literal).join(', ')}))`;
    case 'inUser': {
      const which = p.source.kind === 'group' ? kindIs('group') : `${kindIs('attribute')} AND ${P}.${s.quoteIdent('name')} = ${s.literal(p.source.name)}`;
      const values = `SELECT ${P}.${s.quoteIdent('value')} FROM ${s.profile} AS ${P} WHERE ${which}`;
      // Unknown (NULL) when the user has no such values: a filter hides the row, a `when` masks it.
      return `(CASE WHEN ${exists(which)} THEN ${s.amongValues(s.columnText(p.column), values, p.negate)} END)`;
    }
    case 'exempt':
      return exists(`${kindIs('exempt')} AND ${P}.${s.quoteIdent('value')} = ${s.literal(p.policy)}`);
    case 'hasProfile':
      return exists(kindIs('user'));
  }
}
