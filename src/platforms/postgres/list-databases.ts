import { catalogSql, type DatabaseRow } from './catalog.sql.js';
import type { PostgresContext } from './context.js';

/**
 * The databases Steward works on: the configured `options.databases` (those that exist), else
 * every non-template database that accepts connections. Each row says whether the system
 * account may CONNECT; callers decide whether a database it cannot reach is skipped or reported.
 */
export async function listDatabases(ctx: PostgresContext): Promise<DatabaseRow[]> {
  const client = await ctx.clientFor(null);
  const q = catalogSql.databases();
  const rows = (await client.query<DatabaseRow>(q.text, q.values)).rows;
  const configured = ctx.options.databases;
  if (configured === null) return rows;
  const wanted = new Set(configured);
  return rows.filter((r) => wanted.has(r.name));
}

/** Has this database been dropped (it is no longer in pg_database)? Asked after a failure on it. */
export async function databaseVanished(ctx: PostgresContext, name: string): Promise<boolean> {
  try {
    const client = await ctx.clientFor(null);
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one FROM pg_database WHERE datname = $1', [name]);
    return rows.length === 0;
  } catch {
    return false;
  }
}
