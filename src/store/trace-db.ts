/**
 * `STEWARD_TRACE_STORE=1`: every metadata-store statement's time and row count on stderr, for
 * profiling (docs/benchmarks.md). The SQL text is cut to one line of 160 characters and its
 * parameters are never printed (they can hold sealed secrets).
 */
import type { Db, Executor } from './db.js';

const line = (sql: string): string => sql.replace(/\s+/g, ' ').trim().slice(0, 160);

function traced(inner: Executor, depth: string): Executor {
  const out: Executor = {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
      const t = performance.now();
      const rows = await inner.query<T>(sql, params);
      process.stderr.write(`[store ${(performance.now() - t).toFixed(1)} ms ${rows.length} rows${depth}] ${line(sql)}\n`);
      return rows;
    },
    async exec(sql: string): Promise<void> {
      const t = performance.now();
      await inner.exec(sql);
      process.stderr.write(`[store ${(performance.now() - t).toFixed(1)} ms exec${depth}] ${line(sql)}\n`);
    },
  };
  if (inner.copyFrom !== undefined) {
    const copy = inner.copyFrom.bind(inner);
    out.copyFrom = async (copySql: string, data: string): Promise<void> => {
      const t = performance.now();
      await copy(copySql, data);
      process.stderr.write(`[store ${(performance.now() - t).toFixed(1)} ms copy ${data.length} bytes${depth}] ${line(copySql)}\n`);
    };
  }
  return out;
}

/** `db` itself unless tracing is asked for. */
export function maybeTraced(db: Db, env: NodeJS.ProcessEnv = process.env): Db {
  if (env.STEWARD_TRACE_STORE !== '1') return db;
  const top = traced(db, '');
  const copyFrom = top.copyFrom?.bind(top);
  return {
    kind: db.kind,
    query: <T>(sql: string, params?: readonly unknown[]) => top.query<T>(sql, params),
    exec: (sql: string) => top.exec(sql),
    ...(copyFrom !== undefined ? { copyFrom: (copySql: string, data: string) => copyFrom(copySql, data) } : {}),
    raw: db.raw.bind(db),
    transaction: <T>(fn: (tx: Executor) => Promise<T>): Promise<T> => {
      const t = performance.now();
      return db.transaction((tx) => fn(traced(tx, ' tx'))).finally(() => process.stderr.write(`[store ${(performance.now() - t).toFixed(1)} ms transaction]\n`));
    },
    close: db.close.bind(db),
  };
}
