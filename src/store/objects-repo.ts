import type { ObjectKind } from '../domain/catalog.js';
import type { Executor } from './db.js';
import { columnsFromParsed, decodeColumns, type EncodedColumn, type StoredColumn } from './object-columns.js';

export type { StoredColumn } from './object-columns.js';

export interface StoredObject {
  readonly connection: string;
  /** Encoded path below the connection. */
  readonly path: string;
  /** Encoded path of the parent below the connection; '' for databases. */
  readonly parent: string;
  readonly kind: Exclude<ObjectKind, 'column'>;
  readonly name: string;
  readonly depth: number;
  readonly owner: string | null;
  readonly comment: string | null;
  readonly columns: readonly StoredColumn[] | null;
  /** Partitions: encoded path of the partitioned table they belong to. */
  readonly partitionOf: string | null;
  /** Tables: `[schema, sequence]` pairs their column defaults call. */
  readonly sequences: readonly (readonly string[])[] | null;
  readonly fingerprint: string;
  readonly firstSeenAt: Date;
  readonly changedAt: Date;
  readonly removedAt: Date | null;
}

interface Raw {
  connection: string;
  path: string;
  parent: string;
  kind: StoredObject['kind'];
  name: string;
  depth: number;
  owner: string | null;
  comment: string | null;
  /** Column list as stored (see object-columns.ts, migration 7). */
  columns: string | null;
  partition_of: string | null;
  /** JSON text of [schema, name][] (migration 5). */
  sequences: string | null;
  fingerprint: string;
  first_seen_at: Date;
  changed_at: Date;
  removed_at: Date | null;
}

const toObject = (r: Raw): StoredObject => ({
  connection: r.connection,
  path: r.path,
  parent: r.parent,
  kind: r.kind,
  name: r.name,
  depth: r.depth,
  owner: r.owner,
  comment: r.comment,
  columns: r.columns === null ? null : decodeColumns(r.columns),
  partitionOf: r.partition_of ?? null,
  sequences: r.sequences == null ? null : (JSON.parse(r.sequences) as string[][]),
  fingerprint: r.fingerprint,
  firstSeenAt: r.first_seen_at,
  changedAt: r.changed_at,
  removedAt: r.removed_at,
});

/** What planning and checks read of a live object (`objectsRepo.live`): no timestamps, fingerprint or digest. */
export type LiveObject = Pick<StoredObject, 'path' | 'parent' | 'kind' | 'name' | 'depth' | 'owner' | 'comment' | 'columns' | 'partitionOf' | 'sequences'> & {
  readonly removedAt: null;
};

type LiveRow = [string, string, StoredObject['kind'], string, number, string | null, string | null, EncodedColumn[] | null, string | null, string[][] | null];

/** The row shape written by sync. */
export interface ObjectWrite {
  readonly path: string;
  readonly parent: string;
  readonly kind: StoredObject['kind'];
  readonly name: string;
  readonly depth: number;
  readonly owner: string | null;
  readonly comment: string | null;
  /** The column list in its stored text form (`encodeColumns`), null for an object without columns. */
  readonly columns: string | null;
  readonly partitionOf: string | null;
  readonly sequences: readonly (readonly string[])[] | null;
  readonly fingerprint: string;
  /** The platform's crawl digest (`DiscoveredObject.crawlDigest`), null where it has none. */
  readonly crawlDigest: string | null;
}

/** What sync compares a crawl with: per stored path its fingerprint (null: marked removed), and the crawl digests of live objects that have one. */
export interface StoredMarks {
  readonly fingerprints: Map<string, string | null>;
  readonly digests: Map<string, string>;
}

/** SQL fragment: `path` is `root` or lies under it. Prefix comparison, no LIKE escaping needed. */
const UNDER = `(path = $2 OR left(path, length($2) + 1) = $2 || '/')`;

const BATCH = 2000;
const COPY_BATCH = 10_000;

/** Characters COPY's text format escapes with a backslash. */
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One field of COPY's text format: `\N` for NULL; backslash, tab, newline and return escaped. */
function copyField(v: string | null): string {
  if (v === null) return '\\N';
  return COPY_SPECIAL.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : v;
}

/** The stored columns of a write, in table order after `connection`. */
const WRITE_COLUMNS = 'path, parent, kind, name, depth, owner, comment, columns, fingerprint, partition_of, sequences, crawl_digest';

function fieldsOf(r: ObjectWrite): (string | null)[] {
  return [
    r.path,
    r.parent,
    r.kind,
    r.name,
    String(r.depth),
    r.owner,
    r.comment,
    r.columns,
    r.fingerprint,
    r.partitionOf,
    r.sequences === null ? null : JSON.stringify(r.sequences),
    r.crawlDigest,
  ];
}

/**
 * Write rows into `table` (after `prefix` columns bound to `prefixValues`): by COPY's text format
 * where the driver has it (the embedded store), else by batched INSERTs of bound arrays.
 */
async function bulkInsert(db: Executor, table: string, prefix: readonly string[], prefixValues: readonly string[], rows: readonly ObjectWrite[]): Promise<void> {
  const columns = [...prefix, WRITE_COLUMNS].join(', ');
  if (db.copyFrom) {
    const head = prefixValues.map((v) => `${copyField(v)}\t`).join('');
    for (let i = 0; i < rows.length; i += COPY_BATCH) {
      let text = '';
      for (const r of rows.slice(i, i + COPY_BATCH)) text += `${head}${fieldsOf(r).map(copyField).join('\t')}\n`;
      await db.copyFrom(`COPY ${table} (${columns}) FROM '/dev/blob'`, text);
    }
    return;
  }
  const types = ['text', 'text', 'text', 'text', 'int', 'text', 'text', 'text', 'text', 'text', 'text', 'text'];
  const binds = prefix.map((_, i) => `$${i + 1}`);
  const arrays = types.map((t, i) => `$${prefix.length + i + 1}::${t}[]`);
  const sql = `INSERT INTO ${table} (${columns}) SELECT ${[...binds, '*'].join(', ')} FROM unnest(${arrays.join(', ')})`;
  for (let i = 0; i < rows.length; i += BATCH) {
    const fields = rows.slice(i, i + BATCH).map(fieldsOf);
    await db.query(sql, [...prefixValues, ...types.map((_, k) => fields.map((f) => f[k]))]);
  }
}

export const objectsRepo = {
  /**
   * What is stored under `root` ('' = whole connection): each path with its fingerprint, or
   * null when the object is marked removed, and live objects' crawl digests. Read as JSON
   * arrays in one row: 100,000 rows of three fields cost ≈1 s in the embedded store (every
   * field decoded into a row object).
   */
  async fingerprintsUnder(db: Executor, connection: string, root: string): Promise<StoredMarks> {
    const where = root === '' ? 'connection = $1' : `connection = $1 AND ${UNDER}`;
    const [row] = await db.query<{ paths: string | null; fingerprints: string | null; digests: string | null }>(
      `SELECT json_agg(path)::text AS paths, json_agg(CASE WHEN removed_at IS NULL THEN fingerprint END)::text AS fingerprints,
              json_agg(CASE WHEN removed_at IS NULL THEN crawl_digest END)::text AS digests
       FROM objects WHERE ${where}`,
      root === '' ? [connection] : [connection, root],
    );
    const out: StoredMarks = { fingerprints: new Map(), digests: new Map() };
    if (!row || row.paths === null || row.fingerprints === null || row.digests === null) return out;
    const paths = JSON.parse(row.paths) as string[];
    const fingerprints = JSON.parse(row.fingerprints) as (string | null)[];
    const digests = JSON.parse(row.digests) as (string | null)[];
    for (let i = 0; i < paths.length; i++) {
      out.fingerprints.set(paths[i]!, fingerprints[i]!);
      if (digests[i] != null) out.digests.set(paths[i]!, digests[i]!);
    }
    return out;
  },

  /** Whether at least half of the connection's live objects have a crawl digest (and some do). */
  async mostlyDigested(db: Executor, connection: string): Promise<boolean> {
    const [row] = await db.query<{ digested: number; live: number }>(
      `SELECT count(crawl_digest)::int AS digested, count(*)::int AS live FROM objects WHERE connection = $1 AND removed_at IS NULL`,
      [connection],
    );
    return row !== undefined && row.digested > 0 && row.digested * 2 >= row.live;
  },

  /**
   * Restamp objects read again and found unchanged: their crawl digest (missing, or digested
   * differently before) and their fingerprint (stored in the first form), nothing else.
   */
  async restamp(db: Executor, connection: string, rows: readonly { path: string; digest: string | null; fingerprint: string }[]): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) {
      const part = rows.slice(i, i + BATCH);
      await db.query(
        `UPDATE objects o SET crawl_digest = d.digest, fingerprint = d.fingerprint
         FROM unnest($2::text[], $3::text[], $4::text[]) AS d(path, digest, fingerprint)
         WHERE o.connection = $1 AND o.path = d.path`,
        [connection, part.map((r) => r.path), part.map((r) => r.digest), part.map((r) => r.fingerprint)],
      );
    }
  },

  async columnsOf(db: Executor, connection: string, paths: readonly string[]): Promise<Map<string, StoredColumn[]>> {
    const out = new Map<string, StoredColumn[]>();
    for (let i = 0; i < paths.length; i += BATCH) {
      const rows = await db.query<{ path: string; columns: string | null }>(
        'SELECT path, columns FROM objects WHERE connection = $1 AND path = ANY($2::text[])',
        [connection, paths.slice(i, i + BATCH)],
      );
      for (const r of rows) out.set(r.path, r.columns === null ? [] : decodeColumns(r.columns));
    }
    return out;
  },

  /**
   * Insert objects not stored yet (the caller knows: it read the stored paths in the same
   * transaction, under `lockConnection`). Plain inserts: no staging copy, no upsert.
   */
  async insertNew(db: Executor, connection: string, rows: readonly ObjectWrite[]): Promise<void> {
    if (rows.length === 0) return;
    await bulkInsert(db, 'objects', ['connection'], [connection], rows);
  },

  /** Overwrite stored objects that changed or reappeared: staged, then one UPDATE joins them. */
  async update(db: Executor, connection: string, rows: readonly ObjectWrite[]): Promise<void> {
    if (rows.length === 0) return;
    await db.exec(`CREATE TEMP TABLE IF NOT EXISTS objects_stage (
      path text, parent text, kind text, name text, depth int, owner text, comment text, columns text, fingerprint text,
      partition_of text, sequences text, crawl_digest text)`);
    await db.exec('TRUNCATE objects_stage');
    await bulkInsert(db, 'objects_stage', [], [], rows);
    await db.query(
      `UPDATE objects o SET
         parent = s.parent, kind = s.kind, name = s.name, depth = s.depth, owner = s.owner, comment = s.comment,
         columns = s.columns, partition_of = s.partition_of, sequences = s.sequences, fingerprint = s.fingerprint,
         crawl_digest = s.crawl_digest, changed_at = now(), removed_at = NULL
       FROM objects_stage s WHERE o.connection = $1 AND o.path = s.path`,
      [connection],
    );
    await db.exec('TRUNCATE objects_stage');
  },

  /**
   * Before a sync writes, until its transaction ends: serialise syncs of the connection (a sync
   * reads what is stored, then inserts what is not, so two at once on a PostgreSQL store must not
   * interleave), and check that the connection exists, holding it against a concurrent removal
   * (what the foreign key did per row before migration 8). False when there is no such connection.
   */
  async lockConnection(db: Executor, connection: string): Promise<boolean> {
    await db.query('SELECT pg_advisory_xact_lock(730362022, hashtext($1))', [connection]);
    return (await db.query('SELECT 1 FROM connections WHERE name = $1 FOR KEY SHARE', [connection])).length > 0;
  },

  async markRemoved(db: Executor, connection: string, paths: readonly string[]): Promise<void> {
    for (let i = 0; i < paths.length; i += BATCH) {
      await db.query(
        'UPDATE objects SET removed_at = now(), changed_at = now() WHERE connection = $1 AND path = ANY($2::text[]) AND removed_at IS NULL',
        [connection, paths.slice(i, i + BATCH)],
      );
    }
  },

  async get(db: Executor, connection: string, path: string): Promise<StoredObject | null> {
    const rows = await db.query<Raw>('SELECT * FROM objects WHERE connection = $1 AND path = $2', [connection, path]);
    return rows[0] ? toObject(rows[0]) : null;
  },

  /** Children of `parent` ('' = databases), name-ordered, keyset-paged by name. */
  async children(
    db: Executor,
    connection: string,
    parent: string,
    opts: { limit: number; after?: string | null; includeRemoved?: boolean },
  ): Promise<StoredObject[]> {
    const rows = await db.query<Raw>(
      `SELECT * FROM objects WHERE connection = $1 AND parent = $2 AND ($3::boolean OR removed_at IS NULL)
         AND ($4::text IS NULL OR name > $4) ORDER BY name LIMIT $5`,
      [connection, parent, opts.includeRemoved ?? false, opts.after ?? null, opts.limit],
    );
    return rows.map(toObject);
  },

  /** Case-insensitive name search (substring), optionally under a subtree. */
  async search(db: Executor, connection: string | null, text: string, opts: { limit: number; under?: string }): Promise<StoredObject[]> {
    const rows = await db.query<Raw>(
      `SELECT * FROM objects WHERE ($1::text IS NULL OR connection = $1) AND removed_at IS NULL
         AND strpos(lower(name), lower($2)) > 0
         AND ($3::text IS NULL OR path = $3 OR left(path, length($3) + 1) = $3 || '/')
       ORDER BY connection, depth, path LIMIT $4`,
      [connection, text, opts.under ?? null, opts.limit],
    );
    return rows.map(toObject);
  },

  /**
   * Live relations that may have a column whose name contains `text`: their column list's JSON
   * text contains it (JSON-escaped), which is cheap in SQL; callers check the names themselves.
   */
  async withColumnText(db: Executor, connection: string | null, text: string, opts: { limit: number }): Promise<StoredObject[]> {
    const rows = await db.query<Raw>(
      `SELECT * FROM objects WHERE ($1::text IS NULL OR connection = $1) AND removed_at IS NULL AND columns IS NOT NULL
         AND strpos(lower(columns), lower($2)) > 0
       ORDER BY connection, depth, path LIMIT $3`,
      [connection, JSON.stringify(text).slice(1, -1), opts.limit],
    );
    return rows.map(toObject);
  },

  /**
   * Every live object of a connection (policy input). Column lists are the bulk of a row and
   * the policy engine needs them only for column tags: `withColumns: false` leaves them out.
   */
  /**
   * The live objects of a connection, in path order, as planning reads them. One row of JSON:
   * the embedded store decodes every field of every row into an object, so 5,000 rows of fifteen
   * fields cost 80–100 ms and this 25 ms (the S1 fixture; the column text is embedded as JSON,
   * not quoted, and parsed once).
   */
  async live(db: Executor, connection: string, opts: { withColumns?: boolean } = {}): Promise<LiveObject[]> {
    const columns = opts.withColumns === false ? 'NULL' : 'columns::json';
    const [row] = await db.query<{ objects: string | null }>(
      `SELECT json_agg(json_build_array(path, parent, kind, name, depth, owner, comment, ${columns}, partition_of, sequences::json) ORDER BY path)::text AS objects
       FROM objects WHERE connection = $1 AND removed_at IS NULL`,
      [connection],
    );
    if (!row || row.objects === null) return [];
    return (JSON.parse(row.objects) as LiveRow[]).map(([path, parent, kind, name, depth, owner, comment, cols, partitionOf, sequences]) => ({
      path,
      parent,
      kind,
      name,
      depth,
      owner,
      comment,
      columns: cols === null ? null : columnsFromParsed(cols),
      partitionOf,
      sequences,
      removedAt: null,
    }));
  },

  /**
   * Paths of the live objects of a connection (and their columns when asked): what checks of a
   * configuration against the catalog read. Two fields a row instead of fifteen: reading all of
   * them for 5,000 objects cost ≈0.2–0.9 s in a CLI process (PGlite decodes every field). One
   * JSON row, as `live` reads: a row per object still cost 18–23 ms for S1's 5,000 paths.
   */
  async livePaths(db: Executor, connection: string, opts: { withColumns?: boolean } = {}): Promise<{ path: string; columns: StoredColumn[] | null }[]> {
    const item = opts.withColumns === false ? 'path' : 'json_build_array(path, columns)';
    const [row] = await db.query<{ objects: string | null }>(
      `SELECT json_agg(${item} ORDER BY path)::text AS objects FROM objects WHERE connection = $1 AND removed_at IS NULL`,
      [connection],
    );
    if (!row || row.objects === null) return [];
    if (opts.withColumns === false) return (JSON.parse(row.objects) as string[]).map((path) => ({ path, columns: null }));
    return (JSON.parse(row.objects) as [string, string | null][]).map(([path, columns]) => ({ path, columns: columns === null ? null : decodeColumns(columns) }));
  },
};
