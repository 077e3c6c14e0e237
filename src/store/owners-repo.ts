import type { Executor } from './db.js';

/** A user's ownership of a subtree: `path` is encoded below the connection, '' for all of it. */
export interface OwnerRow {
  readonly user: string;
  readonly connection: string;
  readonly path: string;
}

export const ownersRepo = {
  async list(db: Executor, filter: { user?: string; connection?: string } = {}): Promise<OwnerRow[]> {
    return db.query<OwnerRow>(
      `SELECT user_name AS "user", connection, path FROM data_owners
        WHERE ($1::text IS NULL OR user_name = $1) AND ($2::text IS NULL OR connection = $2)
        ORDER BY user_name, connection, path`,
      [filter.user ?? null, filter.connection ?? null],
    );
  },
  /** False when the user owned it already. */
  async add(db: Executor, o: OwnerRow): Promise<boolean> {
    const rows = await db.query(
      'INSERT INTO data_owners (user_name, connection, path) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING path',
      [o.user, o.connection, o.path],
    );
    return rows.length > 0;
  },
  async remove(db: Executor, o: OwnerRow): Promise<boolean> {
    const rows = await db.query('DELETE FROM data_owners WHERE user_name = $1 AND connection = $2 AND path = $3 RETURNING path', [o.user, o.connection, o.path]);
    return rows.length > 0;
  },
};
