/**
 * Migration 20 on a store made before roles: its tokens become admins (what they were), the
 * STEWARD_ADMIN_TOKEN rows that shared one display name get unique names, and they still work.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createServices } from '../../src/services/container.js';
import { openPglite } from '../../src/store/db.js';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';

const sha = (t: string): string => createHash('sha256').update(t).digest('hex');

describe('migration 20: api-token-roles', () => {
  it('keeps old tokens working as admins with unique names', async () => {
    const db = await openPglite(null);
    try {
      await db.exec('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      for (const m of MIGRATIONS.filter((x) => x.version < 20)) {
        await db.exec(m.sql);
        await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      }
      // As ensureAdmin wrote them before: a generated admin, and two STEWARD_ADMIN_TOKEN values over time.
      const tokens = ['first', 'env-one', 'env-two'].map((t) => `${t}-${randomBytes(8).toString('hex')}`);
      await db.query(`INSERT INTO api_tokens (id, name, token_hash) VALUES ('tok-1', 'admin', $1)`, [sha(tokens[0]!)]);
      await db.query(`INSERT INTO api_tokens (id, name, token_hash) VALUES ($1, 'admin (STEWARD_ADMIN_TOKEN)', $2)`, [`env-${sha(tokens[1]!).slice(0, 12)}`, sha(tokens[1]!)]);
      await db.query(`INSERT INTO api_tokens (id, name, token_hash) VALUES ($1, 'admin (STEWARD_ADMIN_TOKEN)', $2)`, [`env-${sha(tokens[2]!).slice(0, 12)}`, sha(tokens[2]!)]);

      expect(await migrate(db)).toBe(MIGRATIONS.filter((x) => x.version >= 20).length);
      const services = createServices({ db, masterKey: randomBytes(32) });
      const list = await services.tokens.list();
      expect(list.map((t) => t.name).sort()).toEqual(['admin', `env-${sha(tokens[1]!).slice(0, 12)}`, `env-${sha(tokens[2]!).slice(0, 12)}`].sort());
      expect(list.every((t) => t.role === 'admin' && t.status === 'active')).toBe(true);
      for (const t of tokens) expect(await services.tokens.verify(t)).toMatchObject({ ok: true, identity: { role: 'admin', user: null } });
      // Registering the same environment token again changes nothing.
      await services.tokens.ensureAdmin(tokens[1]);
      expect(await services.tokens.list()).toHaveLength(3);
    } finally {
      await db.close();
    }
  });
});
