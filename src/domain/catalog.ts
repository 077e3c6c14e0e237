/** Catalog objects as the platforms report them and the store keeps them. */

export type RelationKind = 'table' | 'partitioned_table' | 'partition' | 'view' | 'materialized_view';
export type ObjectKind = 'database' | 'schema' | RelationKind | 'column';

export const RELATION_KINDS: readonly RelationKind[] = ['table', 'partitioned_table', 'partition', 'view', 'materialized_view'];

export function isRelationKind(kind: string): kind is RelationKind {
  return (RELATION_KINDS as readonly string[]).includes(kind);
}

/** True for relations that can only be read (views and materialized views). */
export function isReadOnlyKind(kind: RelationKind): boolean {
  return kind === 'view' || kind === 'materialized_view';
}

export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  /** 1-based ordinal position. */
  readonly position: number;
  readonly comment: string | null;
}

/**
 * One object found by introspection. `segments` are the raw names below the connection:
 * `[database, schema, table]` on PostgreSQL, `[database, table]` on MySQL. Relations carry
 * their columns inline (a table and its columns change together, and a catalog of 100,000
 * tables stays 100,000 rows in the store instead of a million).
 */
export interface DiscoveredObject {
  readonly kind: Exclude<ObjectKind, 'column'>;
  readonly segments: readonly string[];
  readonly owner: string | null;
  readonly comment: string | null;
  readonly columns?: readonly ColumnInfo[];
  /**
   * The same columns in their text form (`encodeColumns`, column-list.ts), when the platform
   * read them so: then `columns` is decoded from it on first use, and sync fingerprints and
   * stores this text without making a column object.
   */
  readonly columnsText?: string;
  /**
   * Partitions (kind `partition`): segments of the partitioned table they are a partition of.
   * A partition is governed with its parent: it is protected when the parent is, and holds the
   * parent's grants, so that querying it directly gives no more than querying the parent.
   */
  readonly partitionOf?: readonly string[] | null;
  /**
   * Tables: `[schema, sequence]` pairs (in the same database) whose `nextval` is a column
   * default (serial, DEFAULT nextval): writing the table needs USAGE on them. Identity columns
   * need no privilege and are not listed.
   */
  readonly sequences?: readonly (readonly string[])[] | null;
  /**
   * The platform's digest of everything it read about this object (opaque, versioned): equal
   * digests mean the object was read the same. Stored with the object, so that a later crawl
   * may skip reading what has not changed (`CrawlOptions.known`). Absent where a platform does
   * not digest (then every crawl reads everything).
   */
  readonly crawlDigest?: string;
}

/** Options of a crawl handed over in slices. */
export interface CrawlOptions {
  /** A subtree (segments below the connection). */
  readonly under?: readonly string[];
  /**
   * The stored crawl digests of live objects, as a lookup by segments: an object whose digest
   * the platform finds unchanged is not read again, only named as unchanged. Called once the
   * platform has asked its server for the digests, so that the caller reads its store meanwhile
   * (calls after the first may resolve to the same lookup).
   */
  readonly known?: () => Promise<(segments: readonly string[]) => string | undefined>;
}

/** One slice of a crawl: objects read in full, and the segments of objects found unchanged by their digest. */
export type OnCrawlSlice = (objects: readonly DiscoveredObject[], unchanged: readonly (readonly string[])[]) => Promise<void>;

/** What one introspection run saw; `roots` are the subtrees it covered completely. */
export interface CatalogSnapshot {
  readonly objects: readonly DiscoveredObject[];
  /** Subtrees (segment prefixes) that were crawled in full: anything stored under them and not seen is removed. */
  readonly roots: readonly (readonly string[])[];
}
