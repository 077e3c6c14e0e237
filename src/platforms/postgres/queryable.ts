/**
 * The one thing the PostgreSQL platform needs from a driver: run one statement with bind
 * parameters on one connection. A `pg.Client`, a PGlite instance or a test double all fit, so
 * introspection, actual-state reads and execution are written once over it.
 *
 * Statements run in order on the same server session: `BEGIN` / `COMMIT` and session-level
 * advisory locks rely on that, so an implementation must not be a pool.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}
