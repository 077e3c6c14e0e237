import type { RelationKind } from '../domain/catalog.js';
import type { ConnectionOptions } from '../domain/connection.js';
import type { User } from '../domain/identity.js';
import type { Policy } from '../domain/policy.js';
import type { Capabilities } from '../platforms/platform.js';

/** A live (not removed) catalog object of one connection, as the policy engine sees it. */
export interface CatalogEntry {
  /** Raw names below the connection: `[db, schema, table]` or `[db, table]`; containers too. */
  readonly segments: readonly string[];
  readonly kind: 'database' | 'schema' | RelationKind;
  readonly owner: string | null;
  /** Tags on the object itself (not inherited). */
  readonly tags: readonly string[];
  /** Columns with their tags (relations only); `type` and `sequence` where the source knows them. */
  readonly columns: readonly CatalogColumn[];
  /** Partitions: the segments of the partitioned table they belong to (directly). */
  readonly partitionOf?: readonly string[] | null;
  /** `[schema, sequence]` pairs feeding column defaults (writers need USAGE on them). */
  readonly sequences?: readonly (readonly string[])[] | null;
}

export interface CatalogColumn {
  readonly name: string;
  readonly tags: readonly string[];
  /** The column's type as the platform names it. */
  readonly type?: string;
}

/** Everything the pure policy engine needs for one connection. Same input, same output. */
export interface PolicyInput {
  readonly connection: string;
  readonly options: ConnectionOptions;
  readonly capabilities: Capabilities;
  readonly catalog: readonly CatalogEntry[];
  readonly users: readonly User[];
  readonly policies: readonly Policy[];
  readonly now: Date;
  /** The system account's login: never touched. */
  readonly systemAccount: string;
}
