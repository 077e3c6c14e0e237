/**
 * The metadata store's one query interface, over embedded PGlite or a real PostgreSQL.
 * Repositories take an `Executor` so that the service calling them owns the transaction.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { StewardError } from '../domain/errors.js';

export interface Executor {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Run a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * `COPY … FROM '/dev/blob' WITH (FORMAT csv)` with `csv` as its input, where the driver offers
   * a cheap bulk path (PGlite). Absent elsewhere: callers fall back to batched INSERTs.
   */
  copyCsv?(copySql: string, csv: string): Promise<void>;
}

export interface Db extends Executor {
  readonly kind: 'pglite' | 'postgres';
  /**
   * The driver's own query, for a library that brings its SQL (the job queue): with values one
   * statement, without values a script of several whose last result is returned.
   */
  raw(sql: string, values?: readonly unknown[]): Promise<{ rows: unknown[] }>;
  /** Run `fn` in one transaction; nested calls on the given executor join it. */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  constructor(private readonly db: PGlite) {}

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const res = await this.db.query<T>(sql, params as unknown[]);
    return res.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async copyCsv(copySql: string, csv: string): Promise<void> {
    await this.db.query(copySql, [], { blob: new Blob([csv]) });
  }

  async raw(sql: string, values?: readonly unknown[]): Promise<{ rows: unknown[] }> {
    if (values !== undefined && values.length > 0) return { rows: (await this.db.query(sql, values as unknown[])).rows };
    const results = await this.db.exec(sql);
    return { rows: results.at(-1)?.rows ?? [] };
  }

  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) =>
      fn({
        query: async <R>(sql: string, params: readonly unknown[] = []) => (await tx.query<R>(sql, params as unknown[])).rows,
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
        copyCsv: async (copySql: string, csv: string) => {
          await tx.query(copySql, [], { blob: new Blob([csv]) });
        },
      }),
    );
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  constructor(private readonly pool: pg.Pool) {}

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const res = await this.pool.query(sql, params as unknown[]);
    return res.rows as T[];
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async raw(sql: string, values?: readonly unknown[]): Promise<{ rows: unknown[] }> {
    const res = (await this.pool.query(sql, values as unknown[] | undefined)) as pg.QueryResult | pg.QueryResult[];
    return { rows: Array.isArray(res) ? (res.at(-1)?.rows ?? []) : res.rows };
  }

  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn({
        query: async <R>(sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rows as R[],
        exec: async (sql: string) => {
          await client.query(sql);
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Open the embedded store in `dataDir/store` (or in memory when `dataDir` is null). */
export async function openPglite(dataDir: string | null): Promise<Db> {
  let db: PGlite;
  if (dataDir === null) {
    db = new PGlite();
  } else {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    db = new PGlite(`${dataDir}/store`);
  }
  await db.waitReady;
  return new PgliteDb(db);
}

/** Open a PostgreSQL-backed store; fails with a clear error when unreachable. */
export async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 5000 });
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new StewardError('connection_failed', `STEWARD_DATABASE_URL: cannot reach the metadata store (${reason})`, {
      hint: 'check the URL, that the server runs and that the database exists',
    });
  }
  return new PostgresDb(pool);
}
