import type { ColumnInfo, ObjectKind } from '../domain/catalog.js';
import type { Executor } from './db.js';

/** A column as stored inline on its relation; `removedAt` is set once it vanished. */
export interface StoredColumn extends ColumnInfo {
  readonly removedAt?: string;
}

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
  /** JSON text of StoredColumn[] (see migration 3). */
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
  columns: r.columns === null ? null : (JSON.parse(r.columns) as StoredColumn[]),
  partitionOf: r.partition_of ?? null,
  sequences: r.sequences == null ? null : (JSON.parse(r.sequences) as string[][]),
  fingerprint: r.fingerprint,
  firstSeenAt: r.first_seen_at,
  changedAt: r.changed_at,
  removedAt: r.removed_at,
});

/** The row shape written by sync. */
export interface ObjectWrite {
  readonly path: string;
  readonly parent: string;
  readonly kind: StoredObject['kind'];
  readonly name: string;
  readonly depth: number;
  readonly owner: string | null;
  readonly comment: string | null;
  readonly columns: readonly StoredColumn[] | null;
  readonly partitionOf: string | null;
  readonly sequences: readonly (readonly string[])[] | null;
  readonly fingerprint: string;
}

/** SQL fragment: `path` is `root` or lies under it. Prefix comparison, no LIKE escaping needed. */
const UNDER = `(path = $2 OR left(path, length($2) + 1) = $2 || '/')`;

const BATCH = 2000;
const COPY_BATCH = 20_000;

/** One CSV field: NULL is an empty unquoted field, any text is quoted (quotes doubled). */
function csvField(v: string | null): string {
  return v === null ? '' : `"${v.replace(/"/g, '""')}"`;
}

export const objectsRepo = {
  /** Path, fingerprint and removal mark of everything stored under `root` ('' = whole connection). */
  async fingerprintsUnder(db: Executor, connection: string, root: string): Promise<{ path: string; fingerprint: string; removed: boolean }[]> {
    const where = root === '' ? 'connection = $1' : `connection = $1 AND ${UNDER}`;
    const rows = await db.query<{ path: string; fingerprint: string; removed: boolean }>(
      `SELECT path, fingerprint, removed_at IS NOT NULL AS removed FROM objects WHERE ${where}`,
      root === '' ? [connection] : [connection, root],
    );
    return rows;
  },

  async columnsOf(db: Executor, connection: string, paths: readonly string[]): Promise<Map<string, StoredColumn[]>> {
    const out = new Map<string, StoredColumn[]>();
    for (let i = 0; i < paths.length; i += BATCH) {
      const rows = await db.query<{ path: string; columns: string | null }>(
        'SELECT path, columns FROM objects WHERE connection = $1 AND path = ANY($2::text[])',
        [connection, paths.slice(i, i + BATCH)],
      );
      for (const r of rows) out.set(r.path, r.columns === null ? [] : (JSON.parse(r.columns) as StoredColumn[]));
    }
    return out;
  },

  /**
   * Insert new rows or overwrite changed/reappeared ones. Rows go into a staging table (by COPY
   * where the driver has it, else batched unnest INSERTs) and one upsert moves them over.
   */
  async upsert(db: Executor, connection: string, rows: readonly ObjectWrite[]): Promise<void> {
    if (rows.length === 0) return;
    await db.exec(`CREATE TEMP TABLE IF NOT EXISTS objects_stage (
      path text, parent text, kind text, name text, depth int, owner text, comment text, columns text, fingerprint text,
      partition_of text, sequences text)`);
    await db.exec('TRUNCATE objects_stage');
    const columnsOf = (r: ObjectWrite): string | null => (r.columns === null ? null : JSON.stringify(r.columns));
    const sequencesOf = (r: ObjectWrite): string | null => (r.sequences === null ? null : JSON.stringify(r.sequences));
    if (db.copyCsv) {
      for (let i = 0; i < rows.length; i += COPY_BATCH) {
        const csv = rows
          .slice(i, i + COPY_BATCH)
          .map((r) => [r.path, r.parent, r.kind, r.name, String(r.depth), r.owner, r.comment, columnsOf(r), r.fingerprint, r.partitionOf, sequencesOf(r)].map(csvField).join(','))
          .join('\n');
        await db.copyCsv(`COPY objects_stage FROM '/dev/blob' WITH (FORMAT csv)`, csv);
      }
    } else {
      for (let i = 0; i < rows.length; i += BATCH) {
        const b = rows.slice(i, i + BATCH);
        await db.query(
          `INSERT INTO objects_stage SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])`,
          [
            b.map((r) => r.path),
            b.map((r) => r.parent),
            b.map((r) => r.kind),
            b.map((r) => r.name),
            b.map((r) => r.depth),
            b.map((r) => r.owner),
            b.map((r) => r.comment),
            b.map(columnsOf),
            b.map((r) => r.fingerprint),
            b.map((r) => r.partitionOf),
            b.map(sequencesOf),
          ],
        );
      }
    }
    await db.query(
      `INSERT INTO objects (connection, path, parent, kind, name, depth, owner, comment, columns, fingerprint, partition_of, sequences)
       SELECT $1, s.path, s.parent, s.kind, s.name, s.depth, s.owner, s.comment, s.columns, s.fingerprint, s.partition_of, s.sequences FROM objects_stage s
       ON CONFLICT (connection, path) DO UPDATE SET
         parent = EXCLUDED.parent, kind = EXCLUDED.kind, name = EXCLUDED.name, depth = EXCLUDED.depth,
         owner = EXCLUDED.owner, comment = EXCLUDED.comment, columns = EXCLUDED.columns,
         partition_of = EXCLUDED.partition_of, sequences = EXCLUDED.sequences,
         fingerprint = EXCLUDED.fingerprint, changed_at = now(), removed_at = NULL`,
      [connection],
    );
    await db.exec('TRUNCATE objects_stage');
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
  async live(db: Executor, connection: string, opts: { withColumns?: boolean } = {}): Promise<StoredObject[]> {
    const columns = opts.withColumns === false ? 'NULL::text AS columns' : 'columns';
    const rows = await db.query<Raw>(
      `SELECT connection, path, parent, kind, name, depth, owner, comment, ${columns}, partition_of, sequences, fingerprint, first_seen_at, changed_at, removed_at
       FROM objects WHERE connection = $1 AND removed_at IS NULL ORDER BY path`,
      [connection],
    );
    return rows.map(toObject);
  },

};
