import { createHash } from 'node:crypto';
import { StewardError } from '../../domain/errors.js';
import type { Statement } from '../../domain/plan.js';
import type { ExecuteOptions, ExecuteResult, StatementResult } from '../platform.js';
import type { Dialect } from './dialect.js';
import { text, type QueryFn, type SqlValue } from './query.js';
import { statementError } from './statement-error.js';

/** MySQL 8 refuses lock names over 64 characters. */
const MAX_LOCK_NAME = 64;

/** The GET_LOCK name for a lock key: the key itself, or a digest of it when too long. */
export function lockName(key: string): string {
  if ([...key].length <= MAX_LOCK_NAME) return key;
  return `steward:${createHash('sha256').update(key).digest('hex').slice(0, MAX_LOCK_NAME - 8)}`;
}

/** GET_LOCK on the session `query` is bound to (reentrant on MySQL 5.7+ and MariaDB); returns the lock name. */
export async function acquireLock(query: QueryFn, key: string, lockTimeoutSeconds = 30): Promise<string> {
  const name = lockName(key);
  const got = await query({ sql: 'SELECT GET_LOCK(?, ?) AS got', values: [name, lockTimeoutSeconds] });
  if (text(got[0]?.got) !== '1') {
    throw new StewardError('locked', `connection is locked: another apply holds "${key}"`, {
      hint: `waited ${lockTimeoutSeconds}s; retry when the other apply has finished`,
    });
  }
  return name;
}

/**
 * Run statements in order on ONE connection (`query` must be bound to it: GET_LOCK belongs to
 * the session) under a named lock. DDL and GRANT commit implicitly on MySQL and MariaDB, so there
 * is no transaction to roll back: execution stops at the first failure, every attempted
 * statement is reported (statements after the failure were not run and are not reported), and
 * the plan is safe to re-run because it is recomputed from the actual state.
 */
export async function execute(
  query: QueryFn,
  statements: readonly Statement[],
  opts: ExecuteOptions,
  dialect: Dialect,
  lockTimeoutSeconds = 30,
): Promise<ExecuteResult> {
  const name = await acquireLock(query, opts.lockKey, lockTimeoutSeconds);
  const results: StatementResult[] = [];
  try {
    for (const statement of statements) {
      const started = performance.now();
      let result: StatementResult;
      try {
        await query({ sql: statement.sql, values: (statement.params ?? []) as SqlValue[] });
        result = { statement, ok: true, ms: performance.now() - started };
      } catch (err) {
        result = { statement, ok: false, ms: performance.now() - started, error: statementError(err, dialect) };
      }
      results.push(result);
      opts.onStatement?.(result);
      if (!result.ok) return { results, error: `statement ${results.length} of ${statements.length} failed: ${result.error}` };
    }
    return { results };
  } finally {
    // A failed release is harmless: the lock also ends with the session.
    await query({ sql: 'SELECT RELEASE_LOCK(?)', values: [name] }).catch(() => undefined);
  }
}
