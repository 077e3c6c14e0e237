import type { Role } from '../domain/roles.js';
import type { Executor } from './db.js';

/** A stored token: never the token itself, only its SHA-256. */
export interface TokenRow {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly user: string | null;
  readonly createdAt: Date;
  readonly createdBy: string | null;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
  /** Expired, from the store's clock (tokens compare against `now()` of the store). */
  readonly expired: boolean;
}

export interface TokenInsert {
  readonly id: string;
  readonly name: string;
  readonly hash: string;
  readonly role: Role;
  readonly user: string | null;
  readonly expiresAt: Date | null;
  readonly createdBy: string | null;
}

interface Raw {
  id: string;
  name: string;
  role: Role;
  user_name: string | null;
  created_at: Date;
  created_by: string | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  expired: boolean;
}

const COLUMNS = `id, name, role, user_name, created_at, created_by, expires_at, revoked_at, last_used_at,
  (expires_at IS NOT NULL AND expires_at <= now()) AS expired`;

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

const toRow = (r: Raw): TokenRow => ({
  id: r.id,
  name: r.name,
  role: r.role,
  user: r.user_name,
  createdAt: new Date(r.created_at),
  createdBy: r.created_by,
  expiresAt: date(r.expires_at),
  revokedAt: date(r.revoked_at),
  lastUsedAt: date(r.last_used_at),
  expired: r.expired,
});

export const tokensRepo = {
  async count(db: Executor): Promise<number> {
    const rows = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM api_tokens');
    return Number(rows[0]?.n ?? 0);
  },

  /** Insert; false when a token with this hash exists already (the same token registered twice). */
  async insert(db: Executor, t: TokenInsert): Promise<boolean> {
    const rows = await db.query(
      `INSERT INTO api_tokens (id, name, token_hash, role, user_name, expires_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (token_hash) DO NOTHING RETURNING id`,
      [t.id, t.name, t.hash, t.role, t.user, t.expiresAt?.toISOString() ?? null, t.createdBy],
    );
    return rows.length > 0;
  },

  async findByHash(db: Executor, hash: string): Promise<TokenRow | null> {
    const rows = await db.query<Raw>(`SELECT ${COLUMNS} FROM api_tokens WHERE token_hash = $1`, [hash]);
    return rows[0] ? toRow(rows[0]) : null;
  },

  async get(db: Executor, id: string): Promise<TokenRow | null> {
    const rows = await db.query<Raw>(`SELECT ${COLUMNS} FROM api_tokens WHERE id = $1`, [id]);
    return rows[0] ? toRow(rows[0]) : null;
  },

  /** The token of that name that is not revoked (names are unique among those). */
  async findActive(db: Executor, name: string): Promise<TokenRow | null> {
    const rows = await db.query<Raw>(`SELECT ${COLUMNS} FROM api_tokens WHERE name = $1 AND revoked_at IS NULL`, [name]);
    return rows[0] ? toRow(rows[0]) : null;
  },

  async list(db: Executor): Promise<TokenRow[]> {
    return (await db.query<Raw>(`SELECT ${COLUMNS} FROM api_tokens ORDER BY revoked_at IS NOT NULL, name, created_at`)).map(toRow);
  },

  async revoke(db: Executor, id: string): Promise<void> {
    await db.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
  },

  /** Note a use, at most once a minute per token: a request should not cost a write. */
  async touch(db: Executor, id: string): Promise<void> {
    await db.query(
      `UPDATE api_tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  },
};
