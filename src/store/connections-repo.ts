import type { ConnectionOptions, PlatformType } from '../domain/connection.js';
import type { Executor } from './db.js';

/** A stored connection; the URL stays sealed here and is opened only by the connection service. */
export interface ConnectionRow {
  readonly name: string;
  readonly type: PlatformType;
  readonly options: ConnectionOptions;
  readonly urlEncrypted: string;
  readonly urlRedacted: string;
  readonly source: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

interface Raw {
  name: string;
  type: PlatformType;
  options: ConnectionOptions;
  url_encrypted: string;
  url_redacted: string;
  source: string;
  created_at: Date;
  updated_at: Date;
}

const toRow = (r: Raw): ConnectionRow => ({
  name: r.name,
  type: r.type,
  options: r.options,
  urlEncrypted: r.url_encrypted,
  urlRedacted: r.url_redacted,
  source: r.source,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

export const connectionsRepo = {
  async list(db: Executor): Promise<ConnectionRow[]> {
    return (await db.query<Raw>('SELECT * FROM connections ORDER BY name')).map(toRow);
  },
  async get(db: Executor, name: string): Promise<ConnectionRow | null> {
    const rows = await db.query<Raw>('SELECT * FROM connections WHERE name = $1', [name]);
    return rows[0] ? toRow(rows[0]) : null;
  },
  async insert(db: Executor, c: Omit<ConnectionRow, 'createdAt' | 'updatedAt'>): Promise<void> {
    await db.query(
      `INSERT INTO connections (name, type, options, url_encrypted, url_redacted, source) VALUES ($1, $2, $3, $4, $5, $6)`,
      [c.name, c.type, JSON.stringify(c.options), c.urlEncrypted, c.urlRedacted, c.source],
    );
    await db.query('INSERT INTO connection_status (connection) VALUES ($1) ON CONFLICT DO NOTHING', [c.name]);
  },
  async update(db: Executor, c: Omit<ConnectionRow, 'createdAt' | 'updatedAt'>): Promise<void> {
    await db.query(
      `UPDATE connections SET type = $2, options = $3, url_encrypted = $4, url_redacted = $5, source = $6, updated_at = now() WHERE name = $1`,
      [c.name, c.type, JSON.stringify(c.options), c.urlEncrypted, c.urlRedacted, c.source],
    );
  },
  /** Replace the stored options only (sealing secrets of an older store); not a user-visible change. */
  async setOptions(db: Executor, name: string, options: ConnectionOptions): Promise<void> {
    await db.query('UPDATE connections SET options = $2 WHERE name = $1', [name, JSON.stringify(options)]);
  },
  async remove(db: Executor, name: string): Promise<boolean> {
    const rows = await db.query('DELETE FROM connections WHERE name = $1 RETURNING name', [name]);
    await db.query('DELETE FROM tags WHERE connection = $1', [name]);
    await db.query('DELETE FROM principals WHERE connection = $1', [name]);
    return rows.length > 0;
  },
};
