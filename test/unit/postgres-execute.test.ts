import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../src/domain/connection.js';
import { StewardError } from '../../src/domain/errors.js';
import type { Statement } from '../../src/domain/plan.js';
import type { StatementResult } from '../../src/platforms/platform.js';
import type { Queryable } from '../../src/platforms/postgres/queryable.js';
import { createPostgresSession } from '../../src/platforms/postgres/session.js';

/** One fake connection per database, logging `db: sql`; SQL containing FAIL throws. */
function fakeServer(opts: { lockFree?: boolean } = {}) {
  const log: string[] = [];
  const clients = new Map<string, Queryable>();
  const clientFor = async (database: string | null): Promise<Queryable> => {
    const name = database ?? 'main';
    let c = clients.get(name);
    if (!c) {
      c = {
        async query<T>(sql: string): Promise<{ rows: T[] }> {
          log.push(`${name}: ${sql}`);
          if (sql.includes('pg_try_advisory_lock')) return { rows: [{ locked: opts.lockFree ?? true } as T] };
          if (sql.includes('FAIL')) throw new Error('syntax error at "FAIL" password=hunter2');
          return { rows: [] };
        },
      };
      clients.set(name, c);
    }
    return c;
  };
  return { log, clientFor };
}

const st = (sql: string, database: string | null, op: number): Statement => ({ sql, database, op });

describe('postgres execute (fake connections)', () => {
  it('groups consecutive statements per database into chunked transactions under the lock', async () => {
    const server = fakeServer();
    const session = createPostgresSession({ ...server, defaultDatabase: 'main', options: DEFAULT_OPTIONS, connectionName: 'c' });
    const seen: StatementResult[] = [];
    const res = await session.execute([st('S1', null, 0), st('S2', 'main', 1), st('S3', 'main', 1), st('S4', 'shop', 2), st('S5', null, 3)], {
      lockKey: 'c',
      chunkSize: 2,
      onStatement: (r) => seen.push(r),
    });
    expect(res.error).toBeUndefined();
    expect(res.results.map((r) => [r.statement.sql, r.ok])).toEqual([
      ['S1', true],
      ['S2', true],
      ['S3', true],
      ['S4', true],
      ['S5', true],
    ]);
    expect(seen).toEqual(res.results);
    expect(server.log.map((l) => l.replace(/-?\d{5,}/, 'KEY'))).toEqual([
      'main: SELECT pg_try_advisory_lock($1::bigint) AS locked',
      'main: BEGIN',
      'main: S1',
      'main: S2',
      'main: COMMIT',
      'main: BEGIN',
      'main: S3',
      'main: COMMIT',
      'shop: BEGIN',
      'shop: S4',
      'shop: COMMIT',
      'main: BEGIN',
      'main: S5',
      'main: COMMIT',
      'main: SELECT pg_advisory_unlock($1::bigint)',
    ]);
  });

  it('rolls back the failing chunk, reports its statements not ok with a redacted error, and stops', async () => {
    const server = fakeServer();
    const session = createPostgresSession({ ...server, defaultDatabase: 'main', options: DEFAULT_OPTIONS, connectionName: 'c' });
    const res = await session.execute([st('S1', null, 0), st('S2', null, 1), st('FAIL', null, 2), st('S4', null, 3), st('S5', null, 4)], {
      lockKey: 'c',
      chunkSize: 2,
    });
    expect(res.results.map((r) => [r.statement.sql, r.ok, r.error])).toEqual([
      ['S1', true, undefined],
      ['S2', true, undefined],
      ['FAIL', false, 'syntax error at "FAIL" password=***'],
      ['S4', false, 'not run: syntax error at "FAIL" password=***'],
    ]);
    expect(res.error).toMatch(/^chunk 2 of 3 rolled back; statement for operation 2 failed: syntax error/);
    expect(res.error).not.toContain('hunter2');
    expect(server.log.slice(-3)).toEqual(['main: FAIL', 'main: ROLLBACK', expect.stringContaining('pg_advisory_unlock')]);
  });

  it('throws locked when another apply holds the lock past the wait', async () => {
    const server = fakeServer({ lockFree: false });
    const session = createPostgresSession({ ...server, defaultDatabase: 'main', options: DEFAULT_OPTIONS, connectionName: 'c', lockWaitMs: 300 });
    const err = await session.execute([st('S1', null, 0)], { lockKey: 'c' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StewardError);
    expect((err as StewardError).code).toBe('locked');
    expect(server.log).not.toContain('main: S1');
  });
});
