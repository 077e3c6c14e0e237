import { describe, expect, it } from 'vitest';
import { StewardError } from '../../src/domain/errors.js';
import type { Statement } from '../../src/domain/plan.js';
import type { StatementResult } from '../../src/platforms/platform.js';
import { execute, lockName } from '../../src/platforms/mysql/execute.js';
import type { QueryFn, SqlQuery } from '../../src/platforms/mysql/query.js';

const stmt = (sql: string, op: number): Statement => ({ sql, database: null, op });

function fake(opts: { lock?: unknown; failOn?: string }, seen: SqlQuery[]): QueryFn {
  return async (q) => {
    seen.push(q);
    if (q.sql.startsWith('SELECT GET_LOCK')) return [{ got: 'lock' in opts ? opts.lock : 1 }];
    if (q.sql === opts.failOn) {
      throw Object.assign(new Error("Access denied; mysql://steward:hunter2@db password=hunter2"), { code: 'ER_DBACCESS_DENIED_ERROR' });
    }
    return [];
  };
}

describe('execute', () => {
  it('runs every statement in order under GET_LOCK and releases it', async () => {
    const seen: SqlQuery[] = [];
    const reported: StatementResult[] = [];
    const result = await execute(fake({}, seen), [stmt('A', 0), stmt('B', 1)], { lockKey: 'steward:shop', onStatement: (r) => reported.push(r) }, 'mariadb');
    expect(result.error).toBeUndefined();
    expect(result.results.map((r) => [r.statement.sql, r.ok])).toEqual([
      ['A', true],
      ['B', true],
    ]);
    expect(reported).toEqual(result.results);
    expect(seen.map((q) => q.sql)).toEqual(['SELECT GET_LOCK(?, ?) AS got', 'A', 'B', 'SELECT RELEASE_LOCK(?)']);
    expect(seen[0]!.values).toEqual(['steward:shop', 30]);
  });

  it('stops at the first failure, reports it with a redacted message, and still releases the lock', async () => {
    const seen: SqlQuery[] = [];
    const reported: StatementResult[] = [];
    const result = await execute(fake({ failOn: 'B' }, seen), [stmt('A', 0), stmt('B', 1), stmt('C', 2)], {
      lockKey: 'k',
      onStatement: (r) => reported.push(r),
    }, 'mariadb');
    expect(result.results.map((r) => r.ok)).toEqual([true, false]);
    expect(reported).toHaveLength(2);
    expect(result.results[1]!.error).toMatch(/^ER_DBACCESS_DENIED_ERROR: Access denied/);
    expect(`${result.error} ${result.results[1]!.error}`).not.toContain('hunter2');
    expect(result.error).toMatch(/statement 2 of 3 failed/);
    expect(seen.map((q) => q.sql)).not.toContain('C');
    expect(seen.at(-1)!.sql).toBe('SELECT RELEASE_LOCK(?)');
  });

  it('throws locked when the lock is not obtained (0: timeout, NULL: error) and runs nothing', async () => {
    for (const lock of [0, null]) {
      const seen: SqlQuery[] = [];
      const err = await execute(fake({ lock }, seen), [stmt('A', 0)], { lockKey: 'k' }, 'mariadb', 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StewardError);
      expect((err as StewardError).code).toBe('locked');
      expect(seen.map((q) => q.sql)).toEqual(['SELECT GET_LOCK(?, ?) AS got']);
    }
  });

  it('keeps lock names within the 64-character limit', () => {
    expect(lockName('steward:apply:shop')).toBe('steward:apply:shop');
    const long = lockName(`steward:apply:${'x'.repeat(100)}`);
    expect(long).toHaveLength(64);
    expect(long).toBe(lockName(`steward:apply:${'x'.repeat(100)}`));
    expect(long).not.toBe(lockName(`steward:apply:${'y'.repeat(100)}`));
  });
});
