/**
 * Access to the real database servers for integration tests. In CI (`CI=true`) a missing server
 * fails the test run; elsewhere the tests skip with a loud message, never silently.
 */
import pg from 'pg';
import mysql from 'mysql2/promise';

export const PG_URL = process.env.STEWARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MARIADB_URL = process.env.STEWARD_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

const inCi = process.env.CI === 'true' || process.env.CI === '1';

async function probe(kind: 'postgres' | 'mariadb'): Promise<string | null> {
  try {
    if (kind === 'postgres') {
      const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
      await c.connect();
      await c.end();
    } else {
      const c = await mysql.createConnection({ uri: MARIADB_URL, connectTimeout: 3000 });
      await c.end();
    }
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const cache = new Map<string, Promise<string | null>>();

/**
 * Resolve to true when the server answers. In CI an unreachable server throws; elsewhere it
 * prints a banner and resolves to false so the caller can `describe.skipIf`.
 */
export async function databaseAvailable(kind: 'postgres' | 'mariadb'): Promise<boolean> {
  let p = cache.get(kind);
  if (!p) {
    p = probe(kind);
    cache.set(kind, p);
  }
  const problem = await p;
  if (problem === null) return true;
  if (inCi) throw new Error(`CI=true but ${kind} is not reachable (${problem}); integration tests must run in CI`);
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING ${kind} integration tests: server not reachable (${problem})\n${'!'.repeat(72)}\n`);
  return false;
}

export const pgAvailable = await databaseAvailable('postgres');
export const mariadbAvailable = await databaseAvailable('mariadb');
