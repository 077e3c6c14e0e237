import type { PGlite } from '@electric-sql/pglite';
import type { ConnectionOptions } from '../../domain/connection.js';
import { StewardError } from '../../domain/errors.js';
import type { PlatformSession } from '../platform.js';
import type { Queryable } from './queryable.js';
import { createPostgresSession } from './session.js';

/**
 * A PostgreSQL session over an in-process PGlite. PGlite has exactly one database (named
 * `database`, `postgres` by default) and one connection, so every `clientFor` returns it;
 * asking for another database is a clear error rather than a silent query on the wrong one.
 * Advisory locks work as on a server (nobody else can hold them). `close()` does not close
 * the PGlite instance: its owner does.
 */
export function createPgliteSession(
  db: PGlite,
  opts: { readonly options: ConnectionOptions; readonly connectionName: string; readonly database?: string },
): PlatformSession {
  const database = opts.database ?? 'postgres';
  const client: Queryable = {
    async query<T>(sql: string, params?: unknown[]) {
      const { rows } = await db.query<T>(sql, params);
      return { rows };
    },
  };
  return createPostgresSession({
    defaultDatabase: database,
    options: opts.options,
    connectionName: opts.connectionName,
    async clientFor(name) {
      if (name !== null && name !== database) {
        throw new StewardError('connection_failed', `cannot connect to database "${name}": PGlite holds only "${database}"`, {
          hint: 'PGlite has a single database; point the connection at it',
        });
      }
      return client;
    },
  });
}
