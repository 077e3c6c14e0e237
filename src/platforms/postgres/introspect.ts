import type { CatalogSnapshot, ColumnInfo, DiscoveredObject, RelationKind } from '../../domain/catalog.js';
import { StewardError } from '../../domain/errors.js';
import {
  catalogSql,
  type CatalogFilter,
  type CommentRow,
  type DatabaseRow,
  type PartitionParentRow,
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

type ColumnTuple = readonly [number, string, string, boolean];

const comparePairs = (a: readonly string[], b: readonly string[]): number =>
  a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : 0;

/**
 * Columns in attnum order with `position` = ordinal among live columns (1-based): the order
 * `SELECT *` shows, without the gaps dropped columns leave in attnum.
 */
function toColumns(tuples: readonly ColumnTuple[] | null, comments: Map<number, string> | undefined): ColumnInfo[] {
  if (tuples === null) return [];
  let sorted = tuples;
  for (let i = 1; i < tuples.length; i++) {
    if (tuples[i]![0] < tuples[i - 1]![0]) {
      sorted = [...tuples].sort((a, b) => a[0] - b[0]);
      break;
    }
  }
  return sorted.map(([attnum, name, type, notNull], i) => ({
    name,
    type,
    nullable: !notNull,
    position: i + 1,
    comment: comments?.get(attnum) ?? null,
  }));
}

/** Relations read per FETCH when the crawl is handed over in slices. */
const SLICE = 2000;

/** Where a crawl puts what it finds: collected, or handed over a slice at a time. */
type OnSlice = (objects: readonly DiscoveredObject[]) => Promise<void>;

/**
 * The relations query's rows, to `each`: in one result, or (with `sliced`) through a cursor in
 * a read-only transaction, the next FETCH sent before `each` handles the current rows so that
 * the server reads on while the caller stores.
 */
async function eachRelationRows(client: Queryable, sliced: boolean, each: (rows: RelationRow[]) => Promise<void>, filter: CatalogFilter): Promise<void> {
  const q = catalogSql.relations(filter);
  if (!sliced) {
    await each((await client.query<RelationRow>(q.text, q.values)).rows);
    return;
  }
  await client.query('BEGIN READ ONLY');
  let next: Promise<{ rows: RelationRow[] }> | null = null;
  try {
    await client.query(`DECLARE steward_relations NO SCROLL CURSOR FOR ${q.text}`, q.values);
    const fetch = (): Promise<{ rows: RelationRow[] }> => client.query<RelationRow>(`FETCH ${SLICE} FROM steward_relations`);
    next = fetch();
    for (;;) {
      const { rows } = await next;
      next = null;
      if (rows.length === 0) break;
      next = fetch();
      await each(rows);
    }
    await client.query('COMMIT');
  } catch (err) {
    await next?.catch(() => undefined);
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Crawl one database into `out`; with `onSlice`, `out` is handed over (and emptied) as relations are read. */
async function crawlDatabase(ctx: PostgresContext, db: DatabaseRow, filter: CatalogFilter, out: DiscoveredObject[], onSlice?: OnSlice): Promise<void> {
  out.push({ kind: 'database', segments: [db.name], owner: db.owner, comment: db.comment });
  const client = await ctx.clientFor(db.name);
  const schemas = catalogSql.schemas(filter);
  for (const s of (await client.query<SchemaRow>(schemas.text, schemas.values)).rows) {
    out.push({ kind: 'schema', segments: [db.name, s.name], owner: s.owner, comment: s.comment });
  }
  // Comments first: few rows, and the relation loop below can then attach them in one pass.
  const commentsQ = catalogSql.comments(filter);
  const comments = new Map<number, Map<number, string>>();
  for (const c of (await client.query<CommentRow>(commentsQ.text, commentsQ.values)).rows) {
    let m = comments.get(c.oid);
    if (!m) comments.set(c.oid, (m = new Map<number, string>()));
    m.set(c.subid, c.comment);
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
  await eachRelationRows(
    client,
    onSlice !== undefined,
    async (rows) => {
      for (const r of rows) {
        const own = comments.get(r.oid);
        out.push({
          // A partition (of a table or a partitioned table) is governed with its parent.
          kind: r.is_partition ? 'partition' : RELATION_KIND[r.kind],
          segments: [db.name, r.schema, r.name],
          owner: r.owner,
          comment: own?.get(0) ?? null,
          columns: toColumns(r.columns, own),
          ...(r.is_partition && parents.has(r.oid) ? { partitionOf: [db.name, ...parents.get(r.oid)!] } : {}),
          ...(sequences.has(r.oid) ? { sequences: sequences.get(r.oid)!.sort(comparePairs) } : {}),
        });
      }
      if (onSlice) await onSlice(out.splice(0));
    },
    filter,
  );
  if (onSlice && out.length > 0) await onSlice(out.splice(0));
}

/**
 * Crawl the catalog: every database the system account may CONNECT to (or the configured
 * `options.databases`), then per database one query each for schemas, relations with their
 * columns, and comments — never a query per table. `under` (`[db]`, `[db, schema]` or
 * `[db, schema, relation]`) limits the crawl to that subtree, which is then the only root; a
 * full crawl's roots are the databases crawled. A subtree that does not exist yields its
 * existing ancestors and the root, so that a sync marks what was there removed.
 */
export async function introspect(ctx: PostgresContext, opts: { readonly under?: readonly string[] } = {}, onSlice?: OnSlice): Promise<CatalogSnapshot> {
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
      const hand = onSlice && (async (slice: readonly DiscoveredObject[]): Promise<void> => {
        handed = true;
        await onSlice(slice);
      });
      await crawlDatabase(ctx, db, filter, objects, hand);
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
