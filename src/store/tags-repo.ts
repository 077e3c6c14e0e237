import type { Executor } from './db.js';

export interface TagRow {
  readonly connection: string;
  /** Encoded path below the connection (a column's path ends with the column name). */
  readonly path: string;
  readonly tag: string;
  readonly source: string;
}

export const tagsRepo = {
  async list(db: Executor, connection?: string): Promise<TagRow[]> {
    return db.query<TagRow>(
      'SELECT connection, path, tag, source FROM tags WHERE ($1::text IS NULL OR connection = $1) ORDER BY connection, path, tag',
      [connection ?? null],
    );
  },
  async add(db: Executor, rows: readonly Omit<TagRow, 'source'>[], source: string): Promise<void> {
    if (rows.length === 0) return;
    await db.query(
      `INSERT INTO tags (connection, path, tag, source) SELECT c, p, t, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS x(c, p, t)
       ON CONFLICT (connection, path, tag) DO UPDATE SET source = EXCLUDED.source`,
      [rows.map((r) => r.connection), rows.map((r) => r.path), rows.map((r) => r.tag), source],
    );
  },
  async remove(db: Executor, connection: string, path: string, tag: string): Promise<boolean> {
    return (await db.query('DELETE FROM tags WHERE connection = $1 AND path = $2 AND tag = $3 RETURNING tag', [connection, path, tag])).length > 0;
  },
  /** Delete these tags where they have this source. */
  async removeOfSource(db: Executor, source: string, rows: readonly Omit<TagRow, 'source'>[]): Promise<void> {
    if (rows.length === 0) return;
    await db.query(
      `DELETE FROM tags t USING unnest($2::text[], $3::text[], $4::text[]) AS x(c, p, g)
       WHERE t.source = $1 AND t.connection = x.c AND t.path = x.p AND t.tag = x.g`,
      [source, rows.map((r) => r.connection), rows.map((r) => r.path), rows.map((r) => r.tag)],
    );
  },
};
