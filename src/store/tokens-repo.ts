import type { Executor } from './db.js';

export const tokensRepo = {
  async count(db: Executor): Promise<number> {
    const rows = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM api_tokens');
    return Number(rows[0]?.n ?? 0);
  },
  async insert(db: Executor, id: string, name: string, hash: string): Promise<void> {
    await db.query('INSERT INTO api_tokens (id, name, token_hash) VALUES ($1, $2, $3) ON CONFLICT (token_hash) DO NOTHING', [id, name, hash]);
  },
  async findByHash(db: Executor, hash: string): Promise<{ id: string; name: string } | null> {
    const rows = await db.query<{ id: string; name: string }>('SELECT id, name FROM api_tokens WHERE token_hash = $1', [hash]);
    return rows[0] ?? null;
  },
};
