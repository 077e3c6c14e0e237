import { readSecureViewFootprint } from './secure-view-footprint.js';
import type { ConnectionOptions } from '../../domain/connection.js';
import type { PlatformSession } from '../platform.js';
import { readActualState } from './actual-state.js';
import { check } from './check.js';
import type { PostgresContext } from './context.js';
import { execute, lock } from './execute.js';
import { introspect } from './introspect.js';
import type { Queryable } from './queryable.js';
import { checkRegexes, readSecureViewActual } from './secure-view-state.js';

/** What a PostgreSQL session is built from: any per-database query function (pg, PGlite, a double). */
export interface PostgresSessionDeps {
  /** The connection to `database` (`null`: the default database), reused for the session. */
  clientFor(database: string | null): Promise<Queryable>;
  readonly defaultDatabase: string;
  readonly options: ConnectionOptions;
  /** The connection's name: `options.protect` globs start with it. */
  readonly connectionName: string;
  /** How long `execute` waits for another apply's lock; default 30 s. */
  readonly lockWaitMs?: number;
  /** Release the connections; called by `session.close()`. */
  close?(): Promise<void>;
}

/**
 * A PlatformSession over injected connections, so that the real driver, PGlite and tests share
 * one implementation. A session runs one operation at a time (execute holds transactions on
 * its connections); open another session for concurrent work.
 */
export function createPostgresSession(deps: PostgresSessionDeps): PlatformSession {
  const ctx: PostgresContext & { lockWaitMs?: number } = {
    clientFor: (database) => deps.clientFor(database),
    defaultDatabase: deps.defaultDatabase,
    options: deps.options,
    connectionName: deps.connectionName,
    ...(deps.lockWaitMs === undefined ? {} : { lockWaitMs: deps.lockWaitMs }),
  };
  let closed = false;
  return {
    introspect: (opts) => introspect(ctx, opts),
    introspectSlices: (opts, onSlice) => introspect(ctx, opts, onSlice),
    check: (opts) => check(ctx, opts),
    readActualState: (scope) => readActualState(ctx, scope),
    lock: (key) => lock(ctx, key),
    execute: (statements, opts) => execute(ctx, statements, opts),
    readSecureViews: (candidates) => readSecureViewActual((database) => ctx.clientFor(database === ctx.defaultDatabase ? null : database), candidates),
    readSecureViewFootprint: (where) => readSecureViewFootprint((database) => ctx.clientFor(database === ctx.defaultDatabase ? null : database), where),
    checkRegexes: async (patterns) => checkRegexes(await ctx.clientFor(null), patterns),
    async close() {
      if (closed) return;
      closed = true;
      await deps.close?.();
    },
  };
}
