import type { Policy } from '../domain/policy.js';
import type { Executor } from './db.js';

export interface StoredPolicy {
  readonly policy: Policy;
  readonly source: string;
  readonly updatedAt: string;
}

export const policiesRepo = {
  async list(db: Executor): Promise<StoredPolicy[]> {
    const rows = await db.query<{ spec: Policy; source: string; updated_at: Date }>('SELECT spec, source, updated_at FROM policies ORDER BY name');
    return rows.map((r) => ({ policy: r.spec, source: r.source, updatedAt: new Date(r.updated_at).toISOString() }));
  },
  async get(db: Executor, name: string): Promise<StoredPolicy | null> {
    const rows = await db.query<{ spec: Policy; source: string; updated_at: Date }>('SELECT spec, source, updated_at FROM policies WHERE name = $1', [name]);
    const r = rows[0];
    return r ? { policy: r.spec, source: r.source, updatedAt: new Date(r.updated_at).toISOString() } : null;
  },
  async put(db: Executor, p: Policy, source: string): Promise<void> {
    await db.query(
      `INSERT INTO policies (name, type, spec, source) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type, spec = EXCLUDED.spec, source = EXCLUDED.source, updated_at = now()
       WHERE policies.spec IS DISTINCT FROM EXCLUDED.spec OR policies.source IS DISTINCT FROM EXCLUDED.source`,
      [p.name, p.type, JSON.stringify(p), source],
    );
  },
  async remove(db: Executor, name: string): Promise<boolean> {
    return (await db.query('DELETE FROM policies WHERE name = $1 RETURNING name', [name])).length > 0;
  },
  /** Delete the policies named that have this source (a list of names to remove, not of names to keep). */
  async removeOfSource(db: Executor, source: string, names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await db.query('DELETE FROM policies WHERE source = $1 AND name = ANY($2::text[])', [source, names]);
  },
};
