/**
 * `migrate` on the embedded store: a new store gets every migration; a store that is up to date
 * is recognised by two reads (no DDL, no transaction, nothing written); a store missing the
 * newest migrations gets exactly those.
 */
import { describe, expect, it } from 'vitest';
import { openPglite, type Db } from '../../src/store/db.js';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { createAuditService } from '../../src/services/audit-service.js';

/** `db` with every statement it is given recorded (one line each). */
function recorded(db: Db): { db: Db; statements: string[] } {
  const statements: string[] = [];
  const line = (sql: string): string => sql.replace(/\s+/g, ' ').trim();
  const wrapped: Db = {
    ...db,
    query: (sql, params) => (statements.push(line(sql)), db.query(sql, params)),
    exec: (sql) => (statements.push(line(sql)), db.exec(sql)),
    transaction: (fn) => (statements.push('BEGIN'), db.transaction(fn)),
    close: () => db.close(),
  };
  return { db: wrapped, statements };
}

describe('migrate', () => {
  it('migrates a new store, then finds it up to date with two reads and writes nothing', async () => {
    const raw = await openPglite(null);
    try {
      expect(await migrate(raw)).toBe(MIGRATIONS.length);
      const { db, statements } = recorded(raw);
      expect(await migrate(db)).toBe(0);
      expect(statements).toEqual([`SELECT to_regclass('schema_migrations') IS NOT NULL AS ok`, 'SELECT version FROM schema_migrations']);
    } finally {
      await raw.close();
    }
  });

  it('applies only the migrations a store lacks', async () => {
    const raw = await openPglite(null);
    try {
      await migrate(raw);
      // As if the migration that added crawl digests had not run: undo what it did, forget it.
      const digests = MIGRATIONS.find((m) => /ADD COLUMN crawl_digest/.test(m.sql))!;
      expect(digests).toBeDefined();
      await raw.exec('ALTER TABLE objects DROP COLUMN crawl_digest');
      await raw.query('DELETE FROM schema_migrations WHERE version = $1', [digests.version]);
      expect(await migrate(raw)).toBe(1);
      const cols = await raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'objects' AND column_name = 'crawl_digest'`);
      expect(cols[0]!.n).toBe(1);
      expect(await migrate(raw)).toBe(0);
    } finally {
      await raw.close();
    }
  });

  it('keeps audit details written before migration 25, and reads an outcome merged over them', async () => {
    const raw = await openPglite(null);
    try {
      await migrate(raw);
      // A store from before 25: details jsonb, merged in place by finish; no result column.
      const m25 = MIGRATIONS.find((m) => m.name === 'audit-details-json')!;
      await raw.exec('ALTER TABLE audit_events DROP COLUMN result; ALTER TABLE audit_events ALTER COLUMN details TYPE jsonb USING details::jsonb');
      await raw.query('DELETE FROM schema_migrations WHERE version = $1', [m25.version]);
      await raw.query(`INSERT INTO audit_events (actor, action, connection, outcome, summary, details) VALUES ('a', 'apply', 'c', 'ok', 's', $1::jsonb)`, [
        JSON.stringify({ plannedStatements: [{ sql: 'GRANT "x" TO "we""ird"' }], unconverged: [] }),
      ]);
      expect(await migrate(raw)).toBe(1);
      const audit = createAuditService({ db: raw });
      const [old] = await audit.list({ connection: 'c' });
      expect(old!.details).toEqual({ plannedStatements: [{ sql: 'GRANT "x" TO "we""ird"' }], unconverged: [] });
      // A new apply's event: begun with its plan, finished with its outcome; read as one value.
      const id = await audit.begin({ actor: 'a', action: 'apply', connection: 'c', summary: 'planned', details: { plannedStatements: [{ sql: 'S1' }], digest: 'd' } });
      await audit.finish(id, 'unconverged', 'done', { unconverged: [{ kind: 'grant' }], error: 'e' });
      const expected = { plannedStatements: [{ sql: 'S1' }], digest: 'd', unconverged: [{ kind: 'grant' }], error: 'e' };
      expect((await audit.get(id))!.details).toEqual(expected);
      expect((await audit.list({ connection: 'c' })).find((e) => e.id === id)!.details).toEqual(expected);
      // An event begun without details gets the outcome's alone.
      const bare = await audit.begin({ actor: 'a', action: 'apply', connection: 'c', summary: 'planned' });
      await audit.finish(bare, 'ok', 'done', { unconverged: [] });
      expect((await audit.get(bare))!.details).toEqual({ unconverged: [] });
    } finally {
      await raw.close();
    }
  });
});
