/** Policies as stored and evaluated. The YAML and API shapes parse into these. */

/**
 * Who a policy is about. Keys inside one condition object all have to hold (AND); `groups`
 * and `users` hold when the user is any one of those listed; `attributes` holds when, for
 * every key, the user has any of the values (`attributeMatch: all` — all of them). `any`,
 * `all` and `not` combine conditions.
 */
export interface Condition {
  readonly anyone?: boolean;
  readonly groups?: readonly string[];
  readonly users?: readonly string[];
  readonly attributes?: Readonly<Record<string, readonly string[]>>;
  readonly attributeMatch?: 'any' | 'all';
  readonly any?: readonly Condition[];
  readonly all?: readonly Condition[];
  readonly not?: Condition;
}

/**
 * What a policy applies to: everything, or objects with any listed tag or matching any glob.
 * Data policies also take `columnTags` and `columns` (column paths or globs).
 */
export interface Selector {
  readonly all?: boolean;
  readonly tags?: readonly string[];
  readonly paths?: readonly string[];
  /** Data policies: columns carrying any of these tags. */
  readonly columnTags?: readonly string[];
  /** Data policies: full column paths (`conn/db/schema/table/column`) or globs of them. */
  readonly columns?: readonly string[];
}

export type AccessType = 'read' | 'write';

export interface SubscriptionPolicy {
  readonly name: string;
  readonly type: 'subscription';
  readonly access: AccessType;
  readonly to: Condition;
  readonly on: Selector;
  /** ISO timestamp after which the policy grants nothing. */
  readonly expires?: string | null;
}

/** A condition every subscriber of the selected objects must also meet (combined with AND). */
export interface GuardrailPolicy {
  readonly name: string;
  readonly type: 'guardrail';
  readonly to: Condition;
  readonly on: Selector;
}

/** A literal in a row predicate or a constant mask. */
export type Scalar = string | number | boolean;

/**
 * Operators of a structured row predicate. `in` / `notIn` take a list or a user reference;
 * `isNull` / `isNotNull` take no value; the others take one literal (`=` and `!=` also a user
 * reference, meaning `in` / `notIn`).
 */
export type PredicateOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'notIn' | 'isNull' | 'isNotNull';

/** The operators comparing a column with one literal. */
export type CompareOp = Extract<PredicateOp, '=' | '!=' | '<' | '<=' | '>' | '>='>;

export const PREDICATE_OPS: readonly PredicateOp[] = ['=', '!=', '<', '<=', '>', '>=', 'in', 'notIn', 'isNull', 'isNotNull'];

/**
 * A row predicate over the columns of the table a data policy applies to. A string value that
 * starts with `user.` is a reference to the asking user's values: `user.groups` or
 * `user.attributes.<name>` (multi-valued: the column must be among them). No raw SQL.
 */
export type RowPredicate =
  | { readonly column: string; readonly in: string | readonly Scalar[] }
  | { readonly column: string; readonly op: PredicateOp; readonly value?: Scalar | readonly Scalar[] | null }
  | { readonly and: readonly RowPredicate[] }
  | { readonly or: readonly RowPredicate[] }
  | { readonly not: RowPredicate };

export type RoundUnit = 'year' | 'month' | 'day' | 'hour' | 'minute';
export const ROUND_UNITS: readonly RoundUnit[] = ['year', 'month', 'day', 'hour', 'minute'];

/**
 * How a masked column is shown. `null` (YAML `null` or the string) hides the value; `constant`
 * shows one value of the column's type; `hash` a SHA-256 hex digest (equal inputs, equal
 * outputs), salted by the policy or the connection; `regex` replaces every match (`\1`..`\9`
 * refer to groups, `\\` is a backslash); `round` numbers to the nearest multiple of `step`, or
 * dates and timestamps down to a `unit`; `partial` keeps the first / last characters and stars
 * the rest.
 */
export type MaskSpec =
  | null
  | 'null'
  | 'hash'
  | { readonly constant: Scalar | null }
  | { readonly hash: { readonly salt?: string } }
  | { readonly regex: { readonly pattern: string; readonly replacement: string } }
  | { readonly round: { readonly step: number } | { readonly unit: RoundUnit } }
  | { readonly partial: { readonly keepFirst?: number; readonly keepLast?: number } };

/**
 * Masks columns of protected tables in their secure views. Several masks on one column: the
 * most specific target wins (a column path, then a column tag, then a table tag, then a glob);
 * two at the same level are an error.
 */
export interface MaskPolicy {
  readonly name: string;
  readonly type: 'mask';
  readonly on: Selector;
  readonly mask: MaskSpec;
  /** Users matching this condition see raw values. */
  readonly except?: Condition;
  /** Mask only the rows matching this predicate (rows where it is unknown are masked too). */
  readonly when?: RowPredicate;
}

/** Shows a user only the rows matching `where` (several filters on a table combine with AND). */
export interface RowFilterPolicy {
  readonly name: string;
  readonly type: 'rowFilter';
  readonly on: Selector;
  readonly where: RowPredicate;
  /** Users matching this condition see every row. */
  readonly except?: Condition;
}

export type DataPolicy = MaskPolicy | RowFilterPolicy;

export type Policy = SubscriptionPolicy | GuardrailPolicy | MaskPolicy | RowFilterPolicy;

export function isActive(policy: SubscriptionPolicy, now: Date): boolean {
  return policy.expires == null || new Date(policy.expires).getTime() > now.getTime();
}
