/**
 * The metadata store's one query interface, over embedded PGlite or a real PostgreSQL.
 * Repositories take an `Executor` so that the service calling them owns the transaction.
 */
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { StewardError, redactSecrets } from '../domain/errors.js';
import { ensurePrivateDir, tightenTree } from '../security/private-files.js';
import { acquireStoreLock, type StoreLock } from './store-lock.js';
import { seedFromTemplate } from './store-template.js';

export interface Executor {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Run a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * `COPY … FROM '/dev/blob' …` with `data` as its input, where the driver offers a cheap bulk
   * path (PGlite). Absent elsewhere: callers fall back to batched INSERTs.
   */
  copyFrom?(copySql: string, data: string): Promise<void>;
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
  constructor(
    private readonly db: PGlite,
    private readonly onClose: () => void = () => undefined,
  ) {}

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const res = await this.db.query<T>(sql, params as unknown[]);
    return res.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async copyFrom(copySql: string, data: string): Promise<void> {
    await this.db.query(copySql, [], { blob: new Blob([data]) });
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
        copyFrom: async (copySql: string, data: string) => {
          await tx.query(copySql, [], { blob: new Blob([data]) });
        },
      }),
    );
  }

  async close(): Promise<void> {
    try {
      await this.db.close();
    } finally {
      this.onClose();
    }
  }
}

/** Wrap an open PGlite instance (the build's template maker uses this too). */
export function pgliteDb(db: PGlite): Db {
  return new PgliteDb(db);
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

/**
 * PGlite's own start parameters plus a smaller buffer pool. Its default, 128 MB of
 * shared_buffers, lives inside the WebAssembly memory: opening an empty store peaked at 310 MB
 * RSS with it and at 183 MB with 16 MB. Steward's store is read whole into the process for
 * planning and written in bulk by sync, where the operating system's page cache serves as well.
 */
export const STORE_PARAMS: readonly string[] = ['-c', 'shared_buffers=16MB'];

/** PGlite's own start parameters (single-user mode, no fsync, …) and Steward's. */
export function startParams(defaults: readonly string[]): string[] {
  return [...defaults, ...STORE_PARAMS];
}

/** Who opens a store, as the lock file shows it to the next one (`steward serve`, …). */
export interface OpenOptions {
  readonly holder?: string;
}

/** `node <script>`: no arguments, which may hold secrets. */
function defaultHolder(): string {
  const script = process.argv[1]?.split('/').pop() ?? '';
  return script === 'main.js' || script === 'main.ts' ? 'steward' : `node ${script}`.trim();
}

/**
 * Open the embedded store in `dataDir/store` (or in memory when `dataDir` is null). On disk the
 * data directory is made 0700, the store is locked to this process (see store-lock.ts), a new
 * store starts as a copy of the build's template (see store-template.ts), and its files are
 * made 0600 when it is created and when it is closed.
 */
export async function openPglite(dataDir: string | null, opts: OpenOptions = {}): Promise<Db> {
  const { PGlite } = await import('@electric-sql/pglite');
  if (dataDir === null) {
    const db = new PGlite({ startParams: startParams(PGlite.defaultStartParams) });
    await db.waitReady;
    return new PgliteDb(db);
  }
  ensurePrivateDir(dataDir);
  const lock: StoreLock = acquireStoreLock(dataDir, opts.holder ?? defaultHolder());
  const storeDir = join(dataDir, 'store');
  try {
    seedFromTemplate(storeDir);
    const db = new PGlite(storeDir, { startParams: startParams(PGlite.defaultStartParams) });
    await db.waitReady;
    // Files the engine makes while open (0644 caches, 0666 copies) are set to 0600 on close; the
    // 0700 data directory keeps them from other users meanwhile.
    return new PgliteDb(db, () => {
      try {
        tightenTree(storeDir);
      } finally {
        lock.release();
      }
    });
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** Open a PostgreSQL-backed store; fails with a clear error when unreachable. */
export async function openPostgres(url: string): Promise<Db> {
  const [pg, { parsePostgresUrl }] = await Promise.all([import('../platforms/postgres/load-pg.js').then((m) => m.loadPg()), import('../platforms/postgres/url.js')]);
  let config: pg.ClientConfig;
  try {
    // Explicit options (libpq's sslmode), so that pg never parses the URL and warns on the terminal.
    config = parsePostgresUrl(url).config;
  } catch (err) {
    const e = err as StewardError;
    throw new StewardError('invalid_input', `STEWARD_DATABASE_URL: ${e.message.replace(/^url: /, '')}`, { hint: e.hint ?? '', details: { field: 'STEWARD_DATABASE_URL' } });
  }
  const pool = new pg.Pool({ ...config, max: 8, connectionTimeoutMillis: 5000 });
  // An idle connection the server closes (a restart, an idle timeout, pg_terminate_backend) is
  // reported on the pool, which then drops it and opens another on the next query. Without a
  // listener that report is an uncaught exception that ends the process (a running server too).
  pool.on('error', (err) => {
    process.stderr.write(`steward: metadata store: the server closed an idle connection (${redactSecrets(err.message)}); the next query opens another\n`);
  });
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
