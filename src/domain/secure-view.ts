/**
 * The neutral model of secure views: what the data-policy engine (pure) decides and each
 * dialect compiler turns into SQL. Plain immutable data; nothing here knows a platform.
 */
import type { CompareOp, RoundUnit, Scalar } from './policy.js';
import type { TypeFamily } from './column-types.js';

/** A fact about the asking user, precomputed into the profile table. */
export type ProfileKind = 'user' | 'group' | 'attribute' | 'exempt';

/**
 * One row of a profile table: `principal` (database login) has the fact (`kind`, `name`,
 * `value`). Every governed principal has `('user', '', '')`; groups are `('group', '', g)`;
 * attributes `('attribute', key, v)` per value; `('exempt', '', policy)` when the policy's
 * `except` condition holds for the user.
 */
export interface ProfileRow {
  readonly principal: string;
  readonly kind: ProfileKind;
  readonly name: string;
  readonly value: string;
}

/** A hash salt, kept in a table only the view owner reads (never in a view definition). */
export interface SaltRow {
  readonly name: string;
  readonly value: string;
}

/** A predicate over the base row and the asking user's profile. */
export type ViewPredicate =
  | { readonly kind: 'const'; readonly value: boolean }
  | { readonly kind: 'and' | 'or'; readonly items: readonly ViewPredicate[] }
  | { readonly kind: 'not'; readonly item: ViewPredicate }
  /** `item IS FALSE`: true only when the item is known to be false (not unknown). */
  | { readonly kind: 'isFalse'; readonly item: ViewPredicate }
  | { readonly kind: 'compare'; readonly column: string; readonly family: TypeFamily; readonly op: CompareOp; readonly value: Scalar }
  | { readonly kind: 'inList'; readonly column: string; readonly family: TypeFamily; readonly values: readonly Scalar[]; readonly negate: boolean }
  /**
   * The column's text is (not) among the user's groups / values of an attribute. Unknown
   * (neither true nor false) when the user has none, so a filter hides the row and a `when`
   * masks it.
   */
  | {
      readonly kind: 'inUser';
      readonly column: string;
      readonly family: TypeFamily;
      readonly source: { readonly kind: 'group' } | { readonly kind: 'attribute'; readonly name: string };
      readonly negate: boolean;
    }
  | { readonly kind: 'isNull'; readonly column: string; readonly negate: boolean }
  /** The asking user is exempt from the named policy (its `except` holds). */
  | { readonly kind: 'exempt'; readonly policy: string }
  /** The asking user has a profile at all: callers without one see no rows. */
  | { readonly kind: 'hasProfile' };

/** What a masked column shows instead of its value. */
export type MaskExpr =
  | { readonly kind: 'null' }
  | { readonly kind: 'constant'; readonly value: Scalar }
  /** SHA-256 hex of the value's text, prefixed by the salt stored under `saltName` if any. */
  | { readonly kind: 'hash'; readonly saltName: string | null }
  | { readonly kind: 'regex'; readonly pattern: string; readonly replacement: string }
  | { readonly kind: 'roundStep'; readonly step: number }
  | { readonly kind: 'roundUnit'; readonly unit: RoundUnit }
  | { readonly kind: 'partial'; readonly keepFirst: number; readonly keepLast: number };

/** One column of a secure view, in the base table's column order. */
export interface ViewColumn {
  readonly name: string;
  /** The base column's type as the catalog reports it (read by compilers, never written raw). */
  readonly type: string;
  readonly family: TypeFamily;
  /** null: the raw value. */
  readonly mask: {
    readonly expr: MaskExpr;
    /** Show the raw value when this holds (exemption, or `when` known false); null: never. */
    readonly rawWhen: ViewPredicate | null;
    readonly policy: string;
    /** Why this policy won: `column path`, `column tag pii`, `table tag sales`, `glob …`, `all`. */
    readonly via: string;
  } | null;
}

/** The secure view of one protected table. Segments are raw names below the connection. */
export interface SecureViewSpec {
  readonly base: readonly string[];
  readonly view: readonly string[];
  /** Container (schema on PostgreSQL, database on MySQL) of the profile and salt tables it reads. */
  readonly system: readonly string[];
  readonly columns: readonly ViewColumn[];
  /** Rows shown: `hasProfile` AND each row filter (or its exemption). */
  readonly filter: ViewPredicate;
  /** Names of the mask and row-filter policies shaping it, sorted. */
  readonly masks: readonly string[];
  readonly filters: readonly string[];
}

/** A profile (and salt) table: one per database on PostgreSQL, one per connection on MySQL. */
export interface SystemLocation {
  /** `[db, schema]` on PostgreSQL, `[database]` on MySQL. */
  readonly segments: readonly string[];
  /** Sorted by (principal, kind, name, value), no duplicates. */
  readonly profile: readonly ProfileRow[];
  /** Sorted by name. */
  readonly salts: readonly SaltRow[];
}

/** Everything the data policies of one connection ask of the database. */
export interface SecureViewState {
  /** The Steward role that owns the views (and can read their base tables). */
  readonly owner: string;
  /** Sorted by view segments. */
  readonly views: readonly SecureViewSpec[];
  /** Sorted by segments. */
  readonly systems: readonly SystemLocation[];
  /** Schemas (PostgreSQL) or databases (MySQL) holding views, sorted. */
  readonly containers: readonly (readonly string[])[];
}

/** A view Steward recorded building, as the database holds it now. */
export interface ActualView {
  readonly view: readonly string[];
  /** Desired digest recorded when it was built. */
  readonly desired: string;
  /** Rendered digest recorded right after it was built (null: the record was cut short). */
  readonly recorded: string | null;
  /** Rendered digest now (null: the view is gone). */
  readonly rendered: string | null;
}

/** What one system container holds now. */
export interface ActualSystem {
  readonly segments: readonly string[];
  /** Its tables and the user_profile view exist. */
  readonly ready: boolean;
  readonly profile: readonly ProfileRow[];
  readonly salts: readonly SaltRow[];
  readonly views: readonly ActualView[];
}

/** The secure-view side of a connection's actual state. */
export interface SecureViewActual {
  /** Only the system containers that exist. */
  readonly systems: readonly ActualSystem[];
  /** Which of the asked view containers exist. */
  readonly containers: readonly (readonly string[])[];
}

/** Why a view is (re)built. */
export type BuildReason =
  /** Steward has no record of it. */
  | 'new'
  /** The policies (or the catalog) now ask for a different definition. */
  | 'changed'
  /** Someone changed or dropped it by hand: its rendered form is not the one recorded. */
  | 'drift';

/**
 * A change of secure-view state: plain data, carried by a plan operation of kind `secureView`
 * and compiled per dialect like the rest of the plan.
 */
export type SecureViewChange =
  | { readonly kind: 'setupSystem'; readonly system: readonly string[] }
  | { readonly kind: 'createViewContainer'; readonly container: readonly string[] }
  | { readonly kind: 'putSalts'; readonly system: readonly string[]; readonly rows: readonly SaltRow[] }
  | { readonly kind: 'deleteSalts'; readonly system: readonly string[]; readonly names: readonly string[] }
  | { readonly kind: 'deleteProfileRows'; readonly system: readonly string[]; readonly rows: readonly ProfileRow[] }
  | { readonly kind: 'insertProfileRows'; readonly system: readonly string[]; readonly rows: readonly ProfileRow[] }
  | { readonly kind: 'buildView'; readonly spec: SecureViewSpec; readonly readers: readonly string[]; readonly reason: BuildReason }
  /** `system` null: the view's system container is gone or not ready (a teardown): nothing to forget there. */
  | { readonly kind: 'dropView'; readonly view: readonly string[]; readonly system: readonly string[] | null }
  /** Teardown: a view container Steward made, holding nothing but the secure views dropped before. */
  | { readonly kind: 'dropViewContainer'; readonly container: readonly string[] }
  /** Teardown: a system container with Steward's profile, salt and view-state tables, and nothing else. */
  | { readonly kind: 'dropSystem'; readonly system: readonly string[] };

/** One object Steward made for data policies, as a teardown finds it. */
export interface SecureViewObject {
  readonly kind: 'view' | 'viewContainer' | 'system';
  /** Segments below the connection. */
  readonly segments: readonly string[];
  /** The system container whose view-state table records the view (views only; null: none ready). */
  readonly system?: readonly string[] | null;
  /** Removed by a teardown; false: left, see `reason`. */
  readonly removable: boolean;
  /** Why it stays (it holds objects Steward did not make). */
  readonly reason?: string;
  /** Left, and owned by the view-owner role (PostgreSQL): that role cannot be dropped either. */
  readonly keepsOwner?: boolean;
}

/** Everything Steward made for data policies on one connection, found by a teardown. */
export interface SecureViewFootprint {
  /** Views first, then view containers, then system containers; each sorted by segments. */
  readonly objects: readonly SecureViewObject[];
}

/**
 * A plan's operations and statements with hash salts replaced by `***`: what leaves the
 * process (plan output, API responses, the audit log). Only the executor sees the salts.
 */
export function redactPlanSecrets<O extends { readonly kind: string }, S extends { readonly secret?: boolean; readonly params?: readonly unknown[] }>(
  operations: readonly O[],
  statements: readonly S[],
): { operations: O[]; statements: S[] } {
  return {
    operations: operations.map((op) => {
      const change = (op as { change?: SecureViewChange }).change;
      if (op.kind !== 'secureView' || change?.kind !== 'putSalts') return op;
      return { ...op, change: { ...change, rows: change.rows.map((r) => ({ name: r.name, value: '***' })) } };
    }),
    statements: statements.map((s) => (s.secret === true && s.params !== undefined ? { ...s, params: s.params.map(() => '***') } : s)),
  };
}

/** One line for a secure-view change, for lists of what did not converge. */
export function describeSecureViewChange(c: SecureViewChange): string {
  switch (c.kind) {
    case 'setupSystem':
      return `set up Steward's profile tables in ${c.system.join('.')}`;
    case 'createViewContainer':
      return `create ${c.container.join('.')} for secure views`;
    case 'putSalts':
      return `store ${c.rows.length} hash salt(s) in ${c.system.join('.')}`;
    case 'deleteSalts':
      return `remove ${c.names.length} hash salt(s) from ${c.system.join('.')}`;
    case 'insertProfileRows':
      return `add ${c.rows.length} profile row(s) in ${c.system.join('.')}`;
    case 'deleteProfileRows':
      return `remove ${c.rows.length} profile row(s) in ${c.system.join('.')}`;
    case 'buildView':
      return `build the secure view ${c.spec.view.join('.')} (${c.reason})`;
    case 'dropView':
      return `drop the secure view ${c.view.join('.')}`;
    case 'dropViewContainer':
      return `drop ${c.container.join('.')}, which held secure views`;
    case 'dropSystem':
      return `drop Steward's profile tables and ${c.system.join('.')}`;
  }
}
