/**
 * PostgreSQL connection URLs. `pg-connection-string` (the parser `pg` itself uses) reads the URL,
 * with libpq's meaning of `sslmode`; Steward passes the resulting fields to `pg` as explicit
 * options, so `pg` never parses the URL again (and never prints its "SECURITY WARNING" about
 * sslmode aliases). The form shown to users is rebuilt from the parsed fields: the password is
 * `***`, and only known, non-secret libpq parameters are kept (never `password`,
 * `sslpassword` or anything unknown).
 *
 * sslmode (as libpq): `disable` plain; `prefer` and `require` TLS without certificate checks
 * (`require` with `sslrootcert` checks the chain, as `verify-ca`); `verify-ca` TLS, chain
 * checked against `sslrootcert` (required), host name not; `verify-full` chain and host name
 * (against `sslrootcert`, else the system's CAs). Steward never falls back from TLS to plain
 * text. `allow` (plain text first) is refused.
 */
import type { ClientConfig } from 'pg';
import { parse } from 'pg-connection-string';
import type { ParsedUrl } from '../platform.js';
import { StewardError } from '../../domain/errors.js';

const HINT = 'expected postgres://user:password@host:5432/database (optionally ?sslmode=require)';
/** scheme :// authority [/path] [?query] [#fragment], split by hand so each problem is named precisely. */
const URL_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?(#.*)?$/s;
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

/** libpq connection parameters shown in the redacted URL. Secrets (password, sslpassword) and unknown names are never shown. */
const SHOWN_PARAMETERS = new Set([
  'host', 'hostaddr', 'port', 'dbname', 'user', 'connect_timeout', 'client_encoding', 'options', 'application_name',
  'fallback_application_name', 'keepalives', 'keepalives_idle', 'keepalives_interval', 'keepalives_count', 'tcp_user_timeout',
  'replication', 'gssencmode', 'sslmode', 'sslnegotiation', 'sslcompression', 'sslcert', 'sslkey', 'sslrootcert', 'sslcrl', 'sslcrldir',
  'sslsni', 'requirepeer', 'ssl_min_protocol_version', 'ssl_max_protocol_version', 'krbsrvname', 'gsslib', 'gssdelegation',
  'target_session_attrs', 'load_balance_hosts', 'ssl',
]);

function bad(problem: string): StewardError {
  return new StewardError('invalid_input', `url: ${problem}`, { hint: HINT, details: { field: 'url' } });
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw bad(`${what} has an invalid percent-escape`);
  }
}

/** A URL parsed for the driver (with the password) and for display (without). */
export interface PostgresUrl {
  readonly parsed: ParsedUrl;
  /** Explicit options for `pg.Client`/`pg.Pool`: never log or return this. */
  readonly config: ClientConfig;
}

export interface UrlDialect {
  /** Accepted schemes, lowercase, the first one the canonical. */
  readonly schemes: readonly string[];
  readonly defaultPort: number;
}

const POSTGRES: UrlDialect = { schemes: ['postgres', 'postgresql'], defaultPort: 5432 };

/**
 * Validate a PostgreSQL-protocol URL and return the driver's options and the displayable parts.
 * Messages name the field at fault and never echo the URL (it may hold a password). A missing
 * database is `null`: the server then uses the user's name, as libpq does.
 */
export function parsePostgresUrl(url: string, dialect: UrlDialect = POSTGRES): PostgresUrl {
  const text = url.trim();
  const m = URL_RE.exec(text);
  if (!m) throw bad('is not a URL of the form scheme://user@host/database');
  const [, rawScheme = '', authority = '', path = '', query = ''] = m;
  const scheme = rawScheme.toLowerCase();
  if (!dialect.schemes.includes(scheme)) {
    throw bad(`scheme must be ${dialect.schemes.map((s) => `${s}://`).join(' or ')}, not ${scheme}://`);
  }
  // The structure is checked here so that each problem is named; the fields come from the library.
  const dbPath = path.replace(/^\//, '');
  if (dbPath.includes('/')) throw bad('database must be a single path segment');
  // libpq decodes the database name fully (pg's own parser would leave "%2F" encoded).
  const database = dbPath === '' ? null : decode(dbPath, 'database');
  const at = authority.lastIndexOf('@');
  decode(at < 0 ? '' : authority.slice(0, at), 'user or password');
  const hostPart = at < 0 ? authority : authority.slice(at + 1);
  decode(hostPart, 'host');
  const rawPort = /^(?:\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/s.exec(hostPart)?.[1];
  if (rawPort !== undefined && rawPort !== '' && !(/^\d{1,5}$/.test(rawPort) && Number(rawPort) >= 1 && Number(rawPort) <= 65535)) {
    throw bad('port must be a number between 1 and 65535');
  }
  const params = new URLSearchParams(query.replace(/^\?/, ''));
  const sslmode = params.get('sslmode');
  if (sslmode !== null && !(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw bad(`sslmode "${sslmode}" is not one of ${SSL_MODES.join(', ')}`);
  }
  if (params.has('uselibpqcompat')) throw bad('uselibpqcompat is not needed: Steward always reads sslmode as libpq does');
  if (sslmode === 'verify-ca' && !params.has('sslrootcert')) throw bad('sslmode=verify-ca needs sslrootcert=<file of the CA certificate>');

  let opts: ReturnType<typeof parse>;
  try {
    // pg-connection-string reads the URL with a placeholder scheme only where its own would do.
    opts = parse(`postgres://${text.slice(text.indexOf('://') + 3)}`, { useLibpqCompat: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'EACCES') throw bad(`cannot read an SSL file the URL names (${e.code})`);
    throw bad(e instanceof URIError ? 'has an invalid percent-escape' : 'is not a valid URL');
  }
  const host = (opts.host ?? '').replace(/^\[(.*)\]$/s, '$1');
  if (host === '' || host === '___DUMMY___') throw bad('host is missing');
  let port = dialect.defaultPort;
  if (opts.port !== null && opts.port !== undefined && opts.port !== '') {
    if (!/^\d{1,5}$/.test(opts.port)) throw bad('port must be a number between 1 and 65535');
    port = Number(opts.port);
    if (port < 1 || port > 65535) throw bad('port must be a number between 1 and 65535');
  }
  const user = opts.user ?? '';
  if (user === '') throw bad('user is missing');
  const password = opts.password ?? '';

  const shown = [...params.entries()].filter(([k]) => SHOWN_PARAMETERS.has(k));
  const qs = shown.length > 0 ? `?${new URLSearchParams(shown).toString()}` : '';
  const hostShown = host.includes(':') ? `[${host}]` : encodeURIComponent(host);
  const portShown = opts.port ? `:${port}` : '';
  const redacted = `${scheme}://${encodeURIComponent(user)}${password !== '' ? ':***' : ''}@${hostShown}${portShown}${database === null ? '' : `/${encodeURIComponent(database)}`}${qs}`;

  const ssl = sslOption(opts.ssl);
  const config: ClientConfig = {
    host,
    port,
    user,
    ...(password !== '' ? { password } : {}),
    ...(database !== null ? { database } : {}),
    ...(ssl !== undefined ? { ssl } : {}),
    ...(typeof opts.options === 'string' ? { options: opts.options } : {}),
    ...(typeof opts.application_name === 'string' ? { application_name: opts.application_name } : {}),
    ...(typeof opts.client_encoding === 'string' ? { client_encoding: opts.client_encoding } : {}),
  };
  return { parsed: { host, port, user, database, redacted }, config };
}

/** `ssl=` as pg reads it (true/1, false/0, no-verify), or the sslmode's options; anything else is refused. */
function sslOption(v: unknown): ClientConfig['ssl'] | undefined {
  if (v === undefined || typeof v === 'boolean') return v;
  if (typeof v === 'object' && v !== null) return v;
  if (v === 'false') return false;
  if (v === 'no-verify') return { rejectUnauthorized: false };
  throw bad('ssl must be true, false, 1, 0 or no-verify');
}

/** Validate a `postgres://` or `postgresql://` URL; the result holds no password. */
export function parseUrl(url: string): ParsedUrl {
  return parsePostgresUrl(url).parsed;
}
