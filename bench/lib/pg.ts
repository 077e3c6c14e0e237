/** PostgreSQL admin helpers for the benchmarks (superuser, trust auth). */
import { spawn } from 'node:child_process';
import pg from 'pg';
import type { Statement } from '../../src/domain/plan.js';
import { quoteIdent } from '../../src/platforms/postgres/quote.js';

export const PG_BASE = process.env.STEWARD_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function pgUrl(database: string): string {
  const u = new URL(PG_BASE);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function withPg<T>(database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: pgUrl(database) });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function databaseExists(name: string): Promise<boolean> {
  return withPg('postgres', async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

/**
 * Drop the roles whose names start with `prefix` (Steward's `steward_<connection>__`), and
 * nothing else: `DROP OWNED BY` in `database` first (revokes their grants there, their default
 * privileges and their grants on shared objects such as CONNECT), then `DROP ROLE`.
 */
export async function dropRolesWithPrefix(prefix: string, database: string): Promise<number> {
  if (!/^steward_[a-z0-9_]+__$/.test(prefix)) throw new Error(`refusing to drop roles with prefix "${prefix}"`);
  const names = await withPg('postgres', async (c) =>
    (await c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY rolname', [prefix])).rows.map((r) => r.rolname),
  );
  if (names.length === 0) return 0;
  const list = names.map(quoteIdent).join(', ');
  if (await databaseExists(database)) await withPg(database, (c) => c.query(`DROP OWNED BY ${list}`));
  await withPg('postgres', (c) => c.query(`DROP ROLE ${list}`));
  return names.length;
}

/**
 * Vacuum the catalogs that grants and revokes rewrite. Every GRANT on a table rewrites its
 * pg_class row, so converge/reset cycles leave dead tuples; with autovacuum off (as on the
 * server these numbers were taken on) pg_class of a 5,000-table database grew to 838 MB with
 * 3 million dead tuples, and every catalog scan (sync, actual state, floors) slowed with it.
 * `full` rewrites the tables (once, before a scenario); plain VACUUM between runs keeps them flat.
 */
export async function vacuumCatalogs(database: string, full = false): Promise<void> {
  await withPg(database, (c) => c.query(`VACUUM ${full ? '(FULL, ANALYZE) ' : ''}pg_class, pg_default_acl, pg_namespace, pg_database, pg_auth_members, pg_authid`));
}

/**
 * The plan as a psql script that runs it the way Steward's executor does: consecutive statements
 * of one database in chunks of `chunkSize`, each chunk one transaction, `\c` where the database
 * changes (statements with database null run on the connection's default database).
 */
export function planScript(statements: readonly Statement[], defaultDatabase: string, chunkSize = 500): string {
  const out: string[] = [];
  let current = defaultDatabase;
  let inChunk = 0;
  let chunkDb: string | null = null;
  const close = (): void => {
    if (inChunk > 0) out.push('COMMIT;');
    inChunk = 0;
    chunkDb = null;
  };
  for (const s of statements) {
    const db = s.database ?? defaultDatabase;
    if (chunkDb !== db || inChunk >= chunkSize) close();
    if (db !== current) {
      out.push(`\\c ${quoteIdent(db)}`);
      current = db;
    }
    if (inChunk === 0) {
      out.push('BEGIN;');
      chunkDb = db;
    }
    out.push(`${s.sql};`);
    inChunk++;
  }
  close();
  return `${out.join('\n')}\n`;
}

/** Run a psql script file against `database`; resolves to the wall time of the psql process in ms. */
export function psqlFile(database: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', pgUrl(database), '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`psql exited ${code}: ${err.slice(0, 500)}`));
    });
  });
}
