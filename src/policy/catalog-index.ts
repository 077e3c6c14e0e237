import type { Securable } from '../domain/access.js';
import { isReadOnlyKind, isRelationKind, type RelationKind } from '../domain/catalog.js';
import { globCovers, globCoversAnyChildOf, type Glob } from '../domain/glob.js';
import { compareSecurables, compareSegments } from '../domain/canonical-state.js';
import type { CatalogEntry } from './input.js';

/** One live relation, with everything the engine asks about it precomputed. */
export interface RelationInfo {
  /** Position in `CatalogIndex.relations` (sorted by segments). */
  readonly index: number;
  readonly entry: CatalogEntry;
  readonly kind: RelationKind;
  /** Views and materialized views only ever get read privileges. */
  readonly readOnly: boolean;
  /** `[connection, ...segments]`: what path globs are matched against. */
  readonly path: readonly string[];
  readonly securable: Securable;
  /** Tags on the relation itself, on its ancestors (database, schema) and on its columns. */
  readonly tags: ReadonlySet<string>;
  /** Tags on its columns only. */
  readonly columnTags: ReadonlySet<string>;
  /** Indices in `CatalogIndex.containers`, top first (database, then schema). */
  readonly containers: readonly number[];
  /**
   * Protected (a partition: when its root partitioned table is; a partition is governed with
   * its parent, never on its own).
   */
  readonly protected: boolean;
  /** A partition: index of the root partitioned table it belongs to (through any depth). Else null. */
  readonly partitionOf: number | null;
  /** A partitioned table: indices of its partitions at every depth. */
  readonly partitions: readonly number[];
  /** Sequences feeding its column defaults (writing needs USAGE on them), with their schemas' container indices. */
  readonly sequences: readonly { readonly securable: Securable; readonly containers: readonly number[] }[];
}

/** A database or schema holding relations (or listed in the catalog). */
export interface ContainerInfo {
  readonly index: number;
  readonly securable: Securable & { readonly kind: 'database' | 'schema' };
  readonly path: readonly string[];
  /** Tags on the container and its ancestors: a future child inherits them. */
  readonly tags: ReadonlySet<string>;
  /** Indices of the relations directly inside it (schemas) or anywhere below (databases). */
  readonly relations: readonly number[];
  /**
   * A container of relations (PostgreSQL schema, MySQL database) whose future children the
   * protect globs cover: default privileges apply (PostgreSQL), database-level grants may stand
   * for every table (MySQL).
   */
  readonly protectsFuture: boolean;
  /** Holds a protected relation, or protects its future children (or is the database of such a schema). */
  readonly inScope: boolean;
}

/**
 * The catalog of one connection, indexed once per computation so that selecting relations
 * costs in proportion to what is selected, not tables × policies: relations are sorted by
 * segments, which makes every subtree a contiguous range found by its prefix.
 */
export interface CatalogIndex {
  readonly connection: string;
  readonly relations: readonly RelationInfo[];
  /** Canonical securable order: databases, then schemas. */
  readonly containers: readonly ContainerInfo[];
  readonly containerByKey: ReadonlyMap<string, number>;
  readonly byTag: ReadonlyMap<string, readonly number[]>;
  readonly byColumnTag: ReadonlyMap<string, readonly number[]>;
  /** `[start, end)` of the relations whose segments start with `prefix` (below the connection). */
  readonly rangeOf: (prefix: readonly string[]) => readonly [number, number] | null;
}

/** Names cannot hold NUL on any supported platform: a safe separator for map keys. */
export const segmentsKey = (segments: readonly string[]): string => segments.join('\u0000');

/**
 * Index the live catalog. `hierarchy` is the platform's securable levels (capabilities), used
 * to name the containers of a relation: prefix length k is `hierarchy[k - 1]`.
 */
export function buildCatalogIndex(
  connection: string,
  catalog: readonly CatalogEntry[],
  hierarchy: readonly ('database' | 'schema' | 'table')[],
  protect: readonly Glob[],
): CatalogIndex {
  const ownTags = new Map<string, readonly string[]>();
  for (const e of catalog) if (!isRelationKind(e.kind) && e.tags.length > 0) ownTags.set(segmentsKey(e.segments), e.tags);

  // Sorted by segments; a relation listed twice is kept once (the first), so grants stay unique.
  const relEntries = catalog
    .filter((e) => isRelationKind(e.kind))
    .sort((a, b) => compareSegments(a.segments, b.segments))
    .filter((e, i, all) => i === 0 || compareSegments(all[i - 1]!.segments, e.segments) !== 0);

  // Containers: every proper prefix of a relation, plus databases and schemas listed on their own.
  const containerPaths = new Map<string, { kind: 'database' | 'schema'; segments: readonly string[] }>();
  const addContainer = (segments: readonly string[]): void => {
    const kind = hierarchy[segments.length - 1];
    if (kind !== 'database' && kind !== 'schema') return;
    const key = segmentsKey(segments);
    if (!containerPaths.has(key)) containerPaths.set(key, { kind, segments });
  };
  for (const e of catalog) {
    if (e.kind === 'database' || e.kind === 'schema') addContainer(e.segments);
    else for (let k = 1; k < e.segments.length; k++) addContainer(e.segments.slice(0, k));
  }
  const containerList = [...containerPaths.values()].sort((a, b) => compareSecurables(a, b));
  const containerByKey = new Map<string, number>();
  containerList.forEach((c, i) => containerByKey.set(segmentsKey(c.segments), i));

  const inheritedTags = (segments: readonly string[]): ReadonlySet<string> => {
    let tags: Set<string> | null = null;
    for (let k = 1; k <= segments.length; k++) {
      for (const t of ownTags.get(segmentsKey(segments.slice(0, k))) ?? []) (tags ??= new Set()).add(t);
    }
    return tags ?? NO_TAGS;
  };
  const containerTags = containerList.map((c) => inheritedTags(c.segments));

  const byTag = new Map<string, number[]>();
  const byColumnTag = new Map<string, number[]>();
  const containerRelations: number[][] = containerList.map(() => []);
  // Consecutive relations (sorted) share their parent: look its containers up once per run.
  let lastParent: readonly string[] | null = null;
  let parentContainers: number[] = [];
  let parentTags: ReadonlySet<string> = NO_TAGS;
  const relations: Mutable<RelationInfo>[] = relEntries.map((entry, index) => {
    const segments = entry.segments;
    if (lastParent === null || !sameParent(lastParent, segments)) {
      lastParent = segments;
      const parent = segmentsKey(segments.slice(0, -1));
      parentContainers = [];
      for (let k = 1; k < segments.length; k++) {
        const c = containerByKey.get(segmentsKey(segments.slice(0, k)));
        if (c !== undefined) parentContainers.push(c);
      }
      const p = containerByKey.get(parent);
      parentTags = p === undefined ? inheritedTags(segments.slice(0, -1)) : containerTags[p]!;
    }
    for (const c of parentContainers) containerRelations[c]!.push(index);
    let columnTags: Set<string> | null = null;
    for (const col of entry.columns) for (const t of col.tags) (columnTags ??= new Set()).add(t);
    let tags: ReadonlySet<string> = parentTags;
    if (entry.tags.length > 0 || columnTags !== null) {
      const own = new Set(parentTags);
      for (const t of entry.tags) own.add(t);
      for (const t of columnTags ?? []) own.add(t);
      tags = own;
    }
    for (const t of tags) push(byTag, t, index);
    if (columnTags !== null) for (const t of columnTags) push(byColumnTag, t, index);
    const kind = entry.kind as RelationKind;
    return {
      index,
      entry,
      kind,
      readOnly: isReadOnlyKind(kind),
      path: [connection, ...segments],
      securable: { kind: 'table', segments },
      tags,
      columnTags: columnTags ?? NO_TAGS,
      containers: parentContainers,
      protected: false,
      partitionOf: null,
      partitions: [],
      sequences: sequencesOf(entry, containerByKey),
    };
  });
  linkPartitions(relations);
  const rangeOf = (prefix: readonly string[]): readonly [number, number] | null => {
    // Sorted by segments, so a subtree is the run between two binary searches.
    const start = lowerBound(relations, prefix, false);
    const end = lowerBound(relations, prefix, true);
    return start < end ? [start, end] : null;
  };
  for (const g of protect) for (const r of relationsCoveredBy(g, connection, relations, rangeOf)) relations[r]!.protected = true;
  for (const rel of relations) if (rel.partitionOf !== null) rel.protected = relations[rel.partitionOf]!.protected;

  // The level that directly holds relations: schemas on PostgreSQL, databases on MySQL.
  const relationParent = hierarchy[hierarchy.length - 2];
  const futureProtected = containerList.map(
    (c) => c.kind === relationParent && protect.some((g) => globCoversAnyChildOf(g, [connection, ...c.segments])),
  );
  const inScope = containerList.map((_c, i) => futureProtected[i]! || containerRelations[i]!.some((r) => relations[r]!.protected));
  // The database of an in-scope schema is in scope too (CONNECT is needed to reach the schema).
  containerList.forEach((c, i) => {
    if (c.kind === 'schema' && inScope[i]) {
      const db = containerByKey.get(segmentsKey(c.segments.slice(0, 1)));
      if (db !== undefined) inScope[db] = true;
    }
  });
  const containers: ContainerInfo[] = containerList.map((c, index) => ({
    index,
    securable: { kind: c.kind, segments: [...c.segments] },
    path: [connection, ...c.segments],
    tags: containerTags[index]!,
    relations: containerRelations[index]!,
    protectsFuture: futureProtected[index]!,
    inScope: inScope[index]!,
  }));

  return {
    connection,
    relations,
    containers,
    containerByKey,
    byTag,
    byColumnTag,
    rangeOf,
  };
}

const NO_TAGS: ReadonlySet<string> = new Set();

/** Sequences named by the relation's column defaults, as securables in its database. */
function sequencesOf(entry: CatalogEntry, containerByKey: ReadonlyMap<string, number>): RelationInfo['sequences'] {
  let out: { securable: Securable; containers: number[] }[] | null = null;
  const seen = new Set<string>();
  for (const seq of entry.sequences ?? []) {
    if (seq.length !== 2) continue;
    const segments = [entry.segments[0]!, seq[0]!, seq[1]!];
    const key = segmentsKey(segments);
    if (seen.has(key)) continue;
    seen.add(key);
    const containers: number[] = [];
    for (const k of [1, 2]) {
      const c = containerByKey.get(segmentsKey(segments.slice(0, k)));
      if (c !== undefined) containers.push(c);
    }
    (out ??= []).push({ securable: { kind: 'sequence', segments }, containers });
  }
  return out ?? [];
}

/**
 * Resolve each partition to the root partitioned table of its tree and list the partitions
 * of every root; a partition whose parent is not in the catalog stays on its own.
 */
function linkPartitions(relations: Mutable<RelationInfo>[]): void {
  const bySegments = new Map<string, number>();
  for (const r of relations) if (r.kind === 'partitioned_table' || r.kind === 'partition') bySegments.set(segmentsKey(r.entry.segments), r.index);
  if (bySegments.size === 0) return;
  const parentOf = (r: RelationInfo): number | null => {
    const p = r.entry.partitionOf;
    return p === undefined || p === null ? null : (bySegments.get(segmentsKey(p)) ?? null);
  };
  for (const r of relations) {
    if (r.kind !== 'partition') continue;
    let root = parentOf(r);
    // Multi-level partitioning: climb to the top (bounded, in case of a malformed cycle).
    for (let depth = 0; root !== null && depth < 64; depth++) {
      const up = parentOf(relations[root]!);
      if (up === null) break;
      root = up;
    }
    if (root === null || root === r.index) continue;
    r.partitionOf = root;
    (relations[root]!.partitions as number[]).push(r.index);
  }
}

function sameParent(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length - 1; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * First relation whose segments, cut to the prefix's length, are >= the prefix (or > it when
 * `after`): the bounds of the run of relations under `prefix`.
 */
function lowerBound(relations: readonly { readonly entry: CatalogEntry }[], prefix: readonly string[], after: boolean): number {
  let lo = 0;
  let hi = relations.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const segs = relations[mid]!.entry.segments;
    const c = compareSegments(segs.length > prefix.length ? segs.slice(0, prefix.length) : segs, prefix);
    if (c < 0 || (after && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Indices of the relations a glob covers (matches them or an ancestor), testing only those
 * under the glob's literal prefix; a glob whose other segments are all a bare `*` covers
 * everything deep enough under that prefix without running a regular expression.
 */
export function relationsCoveredBy(
  glob: Glob,
  connection: string,
  relations: readonly Pick<RelationInfo, 'path'>[],
  rangeOf: (prefix: readonly string[]) => readonly [number, number] | null,
): number[] {
  const literals: string[] = [];
  for (const s of glob.segments) {
    if (s.kind !== 'segment' || s.literal === null) break;
    literals.push(s.literal);
  }
  if (literals.length > 0 && literals[0] !== connection) return [];
  const range = rangeOf(literals.slice(1));
  if (range === null) return [];
  const rest = glob.segments.slice(literals.length);
  const simple = rest.every((s) => s.kind === 'segment' && s.literal === null && s.re.source === '^.*$');
  const out: number[] = [];
  for (let i = range[0]; i < range[1]; i++) {
    const path = relations[i]!.path;
    if (simple ? path.length >= glob.segments.length : globCovers(glob, path)) out.push(i);
  }
  return out;
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
