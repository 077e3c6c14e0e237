import { loadPg } from './load-pg.js';
import type pg from 'pg';
import type { ParsedUrl } from '../platform.js';
import { connectionError } from './connection-error.js';
import type { Queryable } from './queryable.js';
import { parsePostgresUrl } from './url.js';

/** One connection per database for a session, opened on first use. */
export interface PgClientSet {
  clientFor(database: string | null): Promise<Queryable>;
  readonly defaultDatabase: string;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Wrap a pg.Client as a Queryable that runs one query at a time: callers await each query
 * anyway, and the queue keeps an accidental overlap from reaching pg's deprecated
 * concurrent-query path.
 */
function queued(client: pg.Client): Queryable {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
      const run = tail.then(
        () => client.query(sql, params),
        () => client.query(sql, params),
      );
      tail = run.catch(() => undefined);
      return run as Promise<{ rows: T[] }>;
    },
  };
}

/**
 * Open the connection to the URL's database and return a set that opens one more per other
 * database on demand. The URL is parsed once (url.ts: pg-connection-string with libpq's sslmode)
 * into explicit options, so pg never parses it again; other databases reuse them with only the
 * database changed.
 */
export async function openPgClients(url: string, parsed: ParsedUrl): Promise<PgClientSet> {
  // The driver loads with the first session, not with the CLI (see src/cli/main.ts).
  const pg = await loadPg();
  const { config } = parsePostgresUrl(url);
  const options = { application_name: 'steward', ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS };
  const base = new pg.Client(options);
  const defaultDatabase = parsed.database ?? parsed.user;
  const clients = new Map<string, Promise<{ raw: pg.Client; q: Queryable }>>();

  const open = (database: string, client: pg.Client): Promise<{ raw: pg.Client; q: Queryable }> => {
    // A dropped idle connection emits 'error'; without a listener that would crash the process.
    client.on('error', () => clients.delete(database));
    const opened = client.connect().then(
      () => ({ raw: client, q: queued(client) }),
      (err: unknown) => {
        clients.delete(database);
        throw connectionError(err, { host: parsed.host, port: parsed.port, user: parsed.user, database });
      },
    );
    clients.set(database, opened);
    return opened;
  };

  await open(defaultDatabase, base);

  return {
    defaultDatabase,
    async clientFor(database) {
      const name = database ?? defaultDatabase;
      const existing = clients.get(name);
      if (existing) return (await existing).q;
      const client = new pg.Client({ ...options, database: name });
      return (await open(name, client)).q;
    },
    async close() {
      const all = [...clients.values()];
      clients.clear();
      await Promise.all(all.map((p) => p.then((c) => c.raw.end()).catch(() => undefined)));
    },
  };
}
