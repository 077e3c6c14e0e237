import type { ConnectionOptions } from '../../domain/connection.js';
import type { Queryable } from './queryable.js';

/**
 * What every PostgreSQL operation runs against: one connection per database, opened on demand
 * and reused for the whole session (a GRANT on a table must run in that table's database).
 */
export interface PostgresContext {
  /** The session's connection to `database`; `null` is the connection's default database. */
  clientFor(database: string | null): Promise<Queryable>;
  /** Database named in the URL (or the server's default): roles, memberships and the lock live here. */
  readonly defaultDatabase: string;
  readonly options: ConnectionOptions;
  /** Connection name: the first segment of `options.protect` globs. */
  readonly connectionName: string;
}
