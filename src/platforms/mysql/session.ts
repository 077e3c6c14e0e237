import { readSecureViewFootprint } from './secure-view-footprint.js';
import type mysql from 'mysql2/promise';
import type { AccessScope } from '../../domain/access.js';
import type { ConnectionSpec } from '../../domain/connection.js';
import type { PlatformSession } from '../platform.js';
import { StewardError } from '../../domain/errors.js';
import { splitCurrentUser } from './account-name.js';
import { readActualState } from './actual-state.js';
import { check } from './check.js';
import { connectError } from './connect-error.js';
import type { Dialect } from './dialect.js';
import { acquireLock, execute } from './execute.js';
import { introspect } from './introspect.js';
import { text, type QueryFn, type Row, type SqlQuery } from './query.js';
import { parseUrlWithSecret } from './url.js';
import { checkRegexes, readSecureViewActual } from './secure-view-state.js';

/**
 * Pin the session's sql_mode without NO_BACKSLASH_ESCAPES: account and role names are string
 * literals in GRANT (they cannot be bound), and `quoteString` doubles backslashes, which is exact
 * only when backslash is an escape character. Other modes of the server are kept.
 */
const PIN_SQL_MODE =
  "SET SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))";

async function run(conn: mysql.PoolConnection, q: SqlQuery): Promise<Row[]> {
  // Values go through the binary protocol (server-side binding). Statements without values use
  // the text protocol: GRANT, SET DEFAULT ROLE and friends, and no client-side `?` substitution
  // can touch a `?` inside a quoted name.
  const [rows] = q.values.length > 0 ? await conn.execute(q.sql, [...q.values]) : await conn.query(q.sql);
  return Array.isArray(rows) ? (rows as Row[]) : [];
}

/**
 * Open a session on a MySQL 8 or MariaDB server: a small pool (introspection runs its three
 * catalog queries side by side; execute holds one connection for its lock), checked by one
 * round trip so that bad credentials fail here with a clear reason.
 */
export async function connectSession(spec: ConnectionSpec, dialect: Dialect): Promise<PlatformSession> {
  const url = parseUrlWithSecret(spec.url);
  // The driver loads with the first session, not with the CLI (see src/cli/main.ts).
  const { default: mysql } = await import('mysql2/promise');
  const pool = mysql.createPool({
    host: url.host,
    port: url.port,
    user: url.user,
    password: url.password,
    ...(url.database !== null ? { database: url.database } : {}),
    ...(url.ssl ? { ssl: { rejectUnauthorized: true } } : {}),
    charset: 'utf8mb4',
    multipleStatements: false,
    connectionLimit: 3,
    connectTimeout: 10_000,
    enableKeepAlive: true,
    supportBigNumbers: true,
  });
  const pinned = new Set<number>();
  /** The connection holding the reconcile's lock: GET_LOCK belongs to it, so execute runs there too. */
  let held: mysql.PoolConnection | null = null;

  async function withConnection<T>(fn: (conn: mysql.PoolConnection) => Promise<T>, useHeld = false): Promise<T> {
    if (useHeld && held !== null) return fn(held);
    const conn = await pool.getConnection();
    try {
      if (!pinned.has(conn.threadId)) {
        await conn.query(PIN_SQL_MODE);
        pinned.add(conn.threadId);
      }
      return await fn(conn);
    } finally {
      conn.release();
    }
  }
  const query: QueryFn = (q) => withConnection((conn) => run(conn, q));

  let systemAccount: { user: string; host: string };
  try {
    const rows = await query({ sql: 'SELECT CURRENT_USER() AS account', values: [] });
    systemAccount = splitCurrentUser(text(rows[0]?.account));
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw connectError(err, url.host, url.port, dialect);
  }

  return {
    introspect: (opts) => introspect(query, { dialect, databases: spec.options.databases, ...(opts?.under ? { under: opts.under } : {}) }),
    check: (opts) => check(query, { dialect, connection: spec.name, options: spec.options, ...(opts?.dataPolicies ? { dataPolicies: opts.dataPolicies } : {}) }),
    readActualState: (scope: AccessScope) => readActualState(query, scope, { dialect, hostPattern: spec.options.hostPattern, systemAccount }),
    async lock(key) {
      if (held !== null) throw new StewardError('conflict', 'this session already holds the connection lock');
      const conn = await pool.getConnection();
      try {
        if (!pinned.has(conn.threadId)) {
          await conn.query(PIN_SQL_MODE);
          pinned.add(conn.threadId);
        }
        const name = await acquireLock((q) => run(conn, q), key);
        held = conn;
        let released = false;
        return {
          async release() {
            if (released) return;
            released = true;
            held = null;
            await run(conn, { sql: 'SELECT RELEASE_LOCK(?)', values: [name] }).catch(() => undefined);
            conn.release();
          },
        };
      } catch (err) {
        conn.release();
        throw err;
      }
    },
    execute: (statements, opts) => withConnection((conn) => execute((q) => run(conn, q), statements, opts, dialect), true),
    readSecureViews: (candidates) => readSecureViewActual(query, dialect, candidates),
    readSecureViewFootprint: (where) => readSecureViewFootprint(query, { system: where.systems[0]?.[0] ?? '', containers: where.containers.map((c) => c[0]!), owner: where.owner }),
    checkRegexes: (patterns) => checkRegexes(query, patterns),
    close: () => pool.end(),
  };
}
