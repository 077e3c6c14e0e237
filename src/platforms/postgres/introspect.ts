import { hash } from 'node:crypto';
import type { CatalogSnapshot, ColumnInfo, CrawlOptions, DiscoveredObject, OnCrawlSlice, RelationKind } from '../../domain/catalog.js';
import { decodeColumns, encodeColumns } from '../../domain/column-list.js';
import { StewardError } from '../../domain/errors.js';
import {
  catalogSql,
  type CatalogFilter,
  type CommentRow,
  type DatabaseRow,
  type PartitionParentRow,
  type RelationDigestRow,
  type RelationRow,
  type SchemaRow,
  type SequenceDefaultRow,
} from './catalog.sql.js';
import type { PostgresContext } from './context.js';
import type { Queryable } from './queryable.js';
import { databaseVanished, listDatabases } from './list-databases.js';

const RELATION_KIND: Record<RelationRow['kind'], RelationKind> = {
  r: 'table',
  p: 'partitioned_table',
  v: 'view',
  m: 'materialized_view',
};

const comparePairs = (a: readonly string[], b: readonly string[]): number =>
  a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : 0;

/** A relation's comments: on itself, and on its columns by name. */
interface RelationComments {
  own: string | null;
  columns: Map<string, string> | null;
  /** By subid (0: the relation), for the digest. */
  bySubid: [number, string][];
}

/**
 * The relation's columns as read (`RelationRow.columns`), with their comments: the server's text
 * as it is when no column has a comment (nearly always), decoded, commented and encoded again
 * otherwise. Its `columns` are decoded from the text on first use, and only then.
 */
function relationObject(
  base: Omit<DiscoveredObject, 'columns' | 'columnsText'>,
  text: string,
  comments: Map<string, string> | null,
): DiscoveredObject {
  let columnsText = text;
  if (comments !== null) {
    columnsText = encodeColumns(decodeColumns(text).map((c) => (comments.has(c.name) ? { ...c, comment: comments.get(c.name)! } : c)));
  }
  let columns: readonly ColumnInfo[] | undefined;
  return {
    ...base,
    columnsText,
    get columns(): readonly ColumnInfo[] {
      return (columns ??= decodeColumns(columnsText));
    },
  };
}

/**
 * Relations read per FETCH when the crawl is handed over in slices. One FETCH is always ahead,
 * so the server reads the next slice while the caller stores this one: at 2,000 the server
 * finished its slice long before a store write of 10,000 rows ended and then waited (T4's
 * first sync: ≈1 s less at 10,000).
 */
const SLICE = 10_000;
/** The first FETCH is small: a new backend reads its first 10,000 relations slowly (≈0.5 s, cold caches), and the store can start meanwhile. */
const FIRST_SLICE = 1000;

/**
 * Version of this reader's crawl digests: bump it when what the crawl reads about a relation, or
 * how it builds the object, changes, so that digests stored by an older reader never match.
 */
const DIGEST_VERSION = 'pg2:';

/**
 * `q`'s rows, to `each`, through a cursor inside the caller's open transaction: the next FETCH
 * is sent before `each` handles the current rows, so the server reads on while the caller stores.
 */
async function cursorRows(client: Queryable, q: { text: string; values: unknown[] }, each: (rows: RelationRow[]) => Promise<void>): Promise<void> {
  let next: Promise<{ rows: RelationRow[] }> | null = null;
  try {
    await client.query(`DECLARE steward_relations NO SCROLL CURSOR FOR ${q.text}`, q.values);
    let size = FIRST_SLICE;
    const fetch = (): Promise<{ rows: RelationRow[] }> => {
      const q = client.query<RelationRow>(`FETCH ${size} FROM steward_relations`);
      size = SLICE;
      return q;
    };
    next = fetch();
    for (;;) {
      const { rows } = await next;
      next = null;
      if (rows.length === 0) break;
      next = fetch();
      await each(rows);
    }
    await client.query('CLOSE steward_relations');
  } finally {
    await next?.catch(() => undefined);
  }
}

/**
 * `fn` in a read-only transaction on `client`, without JIT: the catalog queries are planned once
 * and run once, and compiling them cost the server 0.4 s of a 1.9 s read of 100,000 tables (T4)
 * before it returned a row.
 */
async function readOnly(client: Queryable, fn: () => Promise<void>): Promise<void> {
  await client.query('BEGIN READ ONLY');
  try {
    await client.query('SET LOCAL jit = off');
    await fn();
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * The relations' digests, computed by the server while `known` reads the caller's store: the
 * query is a cursor `WITH HOLD`, which the server materialises at COMMIT without sending a row,
 * so a slow store read (the embedded store blocks this thread) does not stall it on a full
 * socket; the rows are fetched once both are done.
 */
async function digestsWhileReadingStore(
  client: Queryable,
  q: { text: string; values: unknown[] },
  known: NonNullable<CrawlOptions['known']>,
): Promise<{ rows: RelationDigestRow[]; stored: (segments: readonly string[]) => string | undefined }> {
  await client.query('BEGIN READ ONLY');
  try {
    // Planned once and run once: JIT compiling it cost the server 0.1–0.8 s of 1.6 s (T4).
    await client.query('SET LOCAL jit = off');
    await client.query(`DECLARE steward_digests NO SCROLL CURSOR WITH HOLD FOR ${q.text}`, q.values);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  const materialised = client.query('COMMIT');
  try {
    const stored = await known().finally(() => materialised.catch(() => undefined));
    await materialised;
    const { rows } = await client.query<RelationDigestRow>('FETCH ALL FROM steward_digests');
    return { rows, stored };
  } finally {
    await client.query('CLOSE steward_digests').catch(() => undefined);
  }
}

/**
 * Crawl one database into `out`; with `onSlice`, `out` is handed over (and emptied) as relations
 * are read. With `known` too, relations are first read as digests only, and those whose digest
 * is not the stored one are then read in full (in a later transaction, see below); the others
 * are handed over as unchanged.
 */
async function crawlDatabase(ctx: PostgresContext, db: DatabaseRow, filter: CatalogFilter, out: DiscoveredObject[], onSlice?: OnCrawlSlice, known?: CrawlOptions['known']): Promise<void> {
  out.push({ kind: 'database', segments: [db.name], owner: db.owner, comment: db.comment });
  const client = await ctx.clientFor(db.name);
  const schemas = catalogSql.schemas(filter);
  for (const s of (await client.query<SchemaRow>(schemas.text, schemas.values)).rows) {
    out.push({ kind: 'schema', segments: [db.name, s.name], owner: s.owner, comment: s.comment });
  }
  // Comments first: few rows, and the relation loop below can then attach them in one pass.
  const commentsQ = catalogSql.comments(filter);
  const comments = new Map<number, RelationComments>();
  for (const c of (await client.query<CommentRow>(commentsQ.text, commentsQ.values)).rows) {
    let m = comments.get(c.oid);
    if (!m) comments.set(c.oid, (m = { own: null, columns: null, bySubid: [] }));
    m.bySubid.push([c.subid, c.comment]);
    if (c.subid === 0) m.own = c.comment;
    else if (c.column !== null) (m.columns ??= new Map()).set(c.column, c.comment);
  }
  const parentsQ = catalogSql.partitionParents(filter);
  const parents = new Map<number, [string, string]>();
  for (const r of (await client.query<PartitionParentRow>(parentsQ.text, parentsQ.values)).rows) parents.set(r.oid, [r.parent_schema, r.parent_name]);
  const sequencesQ = catalogSql.sequenceDefaults(filter);
  const sequences = new Map<number, string[][]>();
  for (const r of (await client.query<SequenceDefaultRow>(sequencesQ.text, sequencesQ.values)).rows) {
    let list = sequences.get(r.oid);
    if (!list) sequences.set(r.oid, (list = []));
    list.push([r.seq_schema, r.seq_name]);
  }
  for (const list of sequences.values()) list.sort(comparePairs);

  /**
   * The digest of a relation: the server's (kind, owner, partition flag, columns) and, only when
   * there are any, its comments, partition parent and column-default sequences.
   */
  const digestOf = (r: { oid: number; is_partition: boolean; digest: string }): string => {
    const own = comments.get(r.oid);
    const parent = r.is_partition ? parents.get(r.oid) : undefined;
    const seqs = sequences.get(r.oid);
    if (own === undefined && parent === undefined && seqs === undefined) return `${DIGEST_VERSION}${r.digest}`;
    const extra = JSON.stringify([own ? [...own.bySubid].sort((a, b) => a[0] - b[0]) : null, parent ?? null, seqs ?? null]);
    return `${DIGEST_VERSION}${r.digest}:${hash('sha1', extra, 'base64')}`;
  };
  const each = async (rows: RelationRow[]): Promise<void> => {
    for (const r of rows) {
      const own = comments.get(r.oid);
      out.push(
        relationObject(
          {
            // A partition (of a table or a partitioned table) is governed with its parent.
            kind: r.is_partition ? 'partition' : RELATION_KIND[r.kind],
            segments: [db.name, r.schema, r.name],
            owner: r.owner,
            comment: own?.own ?? null,
            ...(r.is_partition && parents.has(r.oid) ? { partitionOf: [db.name, ...parents.get(r.oid)!] } : {}),
            ...(sequences.has(r.oid) ? { sequences: sequences.get(r.oid)! } : {}),
            crawlDigest: digestOf(r),
          },
          r.columns,
          own?.columns ?? null,
        ),
      );
    }
    if (onSlice) await onSlice(out.splice(0), []);
  };

  if (onSlice === undefined) {
    const q = catalogSql.relations(filter);
    await readOnly(client, async () => each((await client.query<RelationRow>(q.text, q.values)).rows));
    return;
  }
  if (known === undefined) {
    await readOnly(client, () => cursorRows(client, catalogSql.relations(filter), each));
  } else {
    const digests = await digestsWhileReadingStore(client, catalogSql.relationDigests(filter), known);
    const changed: number[] = [];
    const unchanged: string[][] = [];
    for (const r of digests.rows) {
      const segments = [db.name, r.schema, r.name];
      if (digests.stored(segments) === digestOf(r)) unchanged.push(segments);
      else changed.push(r.oid);
    }
    await onSlice(out.splice(0), unchanged);
    // Read in a later transaction than the digests: a relation changed in between is read as it
    // is now, one dropped in between is not found (and so marked removed), one created in
    // between waits for the next sync — as if the change had come just before or after.
    if (changed.length > 0) await readOnly(client, () => cursorRows(client, catalogSql.relations(filter, changed), each));
  }
  if (out.length > 0) await onSlice(out.splice(0), []);
}

/**
 * Crawl the catalog: every database the system account may CONNECT to (or the configured
 * `options.databases`), then per database one query each for schemas, relations with their
 * columns, and comments — never a query per table. `under` (`[db]`, `[db, schema]` or
 * `[db, schema, relation]`) limits the crawl to that subtree, which is then the only root; a
 * full crawl's roots are the databases crawled. A subtree that does not exist yields its
 * existing ancestors and the root, so that a sync marks what was there removed.
 */
export async function introspect(ctx: PostgresContext, opts: CrawlOptions = {}, onSlice?: OnCrawlSlice): Promise<CatalogSnapshot> {
  const under = opts.under ?? [];
  if (under.length > 3) {
    throw new StewardError('invalid_input', 'under: a PostgreSQL path has at most 3 segments below the connection (database, schema, relation)', {
      details: { field: 'under' },
    });
  }
  const databases = (await listDatabases(ctx)).filter((d) => d.can_connect && (under.length === 0 || d.name === under[0]));
  const filter: CatalogFilter = { schema: under[1] ?? null, relation: under[2] ?? null };
  const objects: DiscoveredObject[] = [];
  for (const db of databases) {
    const mark = objects.length;
    let handed = false;
    try {
      const hand = onSlice && (async (slice: readonly DiscoveredObject[], unchanged: readonly (readonly string[])[]): Promise<void> => {
        handed = true;
        await onSlice(slice, unchanged);
      });
      await crawlDatabase(ctx, db, filter, objects, hand, opts.known);
    } catch (err) {
      // Dropped between listing and crawling: it is gone, like any vanished object (a full
      // sync marks what was stored under it removed). Anything else is a real failure, and so
      // is a database dropped after part of it was handed over (it cannot be taken back; the
      // caller's next sync finds it gone).
      if (handed || !(await databaseVanished(ctx, db.name))) throw err;
      objects.length = mark;
    }
  }
  const roots = under.length > 0 ? [[...under]] : databases.map((d) => [d.name]);
  return { objects, roots };
}
