import { redactSecrets, StewardError } from '../../domain/errors.js';
import type { Statement } from '../../domain/plan.js';
import type { ExecuteOptions, ExecuteResult, HeldLock, StatementResult } from '../platform.js';
import type { PostgresContext } from './context.js';
import { advisoryLockKey } from './lock-key.js';
import type { Queryable } from './queryable.js';
import { quoteIdent } from './quote.js';

/** How long to wait for another apply holding the same lock before giving up. */
export const DEFAULT_LOCK_WAIT_MS = 30_000;
const LOCK_POLL_MS = 250;
const DEFAULT_CHUNK_SIZE = 500;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return redactSecrets(text.split('\n')[0] ?? text);
}

/**
 * Poll `pg_try_advisory_lock` rather than block in `pg_advisory_lock`: the wait is bounded
 * without touching `lock_timeout`, and it behaves the same on PGlite (one connection, no
 * contention). Session-level, so it survives the chunks' COMMITs and ROLLBACKs.
 */
export async function acquire(client: Queryable, key: string, name: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
    if (rows[0]?.locked === true) return;
    if (Date.now() >= deadline) {
      throw new StewardError('locked', `another apply holds the lock "${name}"`, {
        hint: 'wait for the running apply to finish, then retry',
      });
    }
    await sleep(LOCK_POLL_MS);
  }
}

/** Consecutive statements for the same database, at most `size` long. */
function chunk(statements: readonly Statement[], defaultDatabase: string, size: number): { database: string; items: Statement[] }[] {
  const out: { database: string; items: Statement[] }[] = [];
  for (const s of statements) {
    const database = s.database ?? defaultDatabase;
    const last = out[out.length - 1];
    if (last && last.database === database && last.items.length < size) last.items.push(s);
    else out.push({ database, items: [s] });
  }
  return out;
}

/**
 * Run compiled statements under the connection's advisory lock (held on the default database
 * for the whole run). Statements go in chunks of `chunkSize`, each chunk one transaction on its
 * database's connection. On the first failure the chunk is rolled back, all its statements are
 * reported not ok (the failing one with its error, the others as rolled back or not run), and
 * execution stops; later statements are not run and not reported.
 */
export async function execute(
  ctx: PostgresContext & { readonly lockWaitMs?: number },
  statements: readonly Statement[],
  opts: ExecuteOptions,
): Promise<ExecuteResult> {
  const size = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(size) || size < 1) {
    throw new StewardError('invalid_input', 'chunkSize: must be a positive integer', { details: { field: 'chunkSize' } });
  }
  const results: StatementResult[] = [];
  const report = (r: StatementResult): void => {
    results.push(r);
    opts.onStatement?.(r);
  };

  const lockClient = await ctx.clientFor(null);
  const key = advisoryLockKey(opts.lockKey);
  await acquire(lockClient, key, opts.lockKey, ctx.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
  try {
    const chunks = chunk(statements, ctx.defaultDatabase, size);
    for (const [n, { database, items }] of chunks.entries()) {
      const done: { statement: Statement; ms: number }[] = [];
      let client: Queryable | null = null;
      try {
        client = await ctx.clientFor(database === ctx.defaultDatabase ? null : database);
        await client.query('BEGIN');
        for (const statement of items) {
          const started = performance.now();
          if (statement.runAs !== undefined) {
            // Revoking another grantor's items: act as it for this statement only (LOCAL, so a
            // rollback also ends it).
            await client.query(`SET LOCAL ROLE ${quoteIdent(statement.runAs)}`);
            await client.query(statement.sql);
            await client.query('RESET ROLE');
          } else {
            await client.query(statement.sql, statement.params === undefined ? undefined : [...statement.params]);
          }
          done.push({ statement, ms: performance.now() - started });
        }
        await client.query('COMMIT');
      } catch (err) {
        const message = messageOf(err);
        if (client) await client.query('ROLLBACK').catch(() => undefined);
        const failedAt = done.length;
        items.forEach((statement, i) => {
          const ms = done[i]?.ms ?? 0;
          const error = i < failedAt ? `rolled back: ${message}` : i === failedAt ? message : `not run: ${message}`;
          report({ statement, ok: false, ms, error });
        });
        const failed = items[Math.min(failedAt, items.length - 1)]!;
        return {
          results,
          error: `chunk ${n + 1} of ${chunks.length} rolled back; statement for operation ${failed.op} failed: ${message}`,
        };
      }
      for (const d of done) report({ statement: d.statement, ok: true, ms: d.ms });
    }
    return { results };
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
  }
}

/** The connection's advisory lock for a whole reconcile (session-level on the default database, reentrant). */
export async function lock(ctx: PostgresContext & { readonly lockWaitMs?: number }, name: string): Promise<HeldLock> {
  const client = await ctx.clientFor(null);
  const key = advisoryLockKey(name);
  await acquire(client, key, name, ctx.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
    },
  };
}
