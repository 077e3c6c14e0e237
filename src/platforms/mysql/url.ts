import { StewardError } from '../../domain/errors.js';
import type { ParsedUrl } from '../platform.js';

const HINT = 'expected mysql://user:password@host:3306/database (or mariadb://…); options: ?ssl=true|false';
const DEFAULT_PORT = 3306;

/** A parsed URL with the secret, for the driver only: never log or return this. */
export interface UrlWithSecret extends ParsedUrl {
  readonly password: string;
  /** `?ssl=true`: TLS with certificate verification. */
  readonly ssl: boolean;
}

function fail(problem: string): StewardError {
  // Never echo the URL itself: it may hold a password.
  return new StewardError('invalid_input', `url: ${problem}`, { hint: HINT, details: { field: 'url' } });
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw fail(`${what} is not valid percent-encoding`);
  }
}

/** Parse a `mysql://` or `mariadb://` URL, keeping the password (for `connect`). */
export function parseUrlWithSecret(url: string): UrlWithSecret {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw fail('not a valid URL');
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') throw fail(`scheme must be mysql:// or mariadb://, not ${u.protocol}//`);
  // WHATWG keeps IPv6 hosts bracketed; the driver wants them bare.
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw fail('host is missing');
  const port = u.port === '' ? DEFAULT_PORT : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw fail('port must be 1-65535');
  const user = decode(u.username, 'user');
  if (user === '') throw fail('user is missing');
  const password = decode(u.password, 'password');
  const path = u.pathname.replace(/^\//, '');
  if (path.includes('/')) throw fail('path must be at most one database name');
  const database = path === '' ? null : decode(path, 'database');
  let ssl = false;
  for (const [key, value] of u.searchParams) {
    if (key !== 'ssl') throw fail(`unknown option "${key}"`);
    if (value !== 'true' && value !== 'false') throw fail('ssl must be true or false');
    ssl = value === 'true';
  }
  if (u.hash !== '') throw fail('a fragment (#…) is not allowed');
  // Rebuilt from the parsed fields, never edited from the input: nothing of the password can stay.
  const hostShown = host.includes(':') ? `[${host}]` : u.hostname;
  const redacted =
    `${u.protocol}//${encodeURIComponent(user)}${password !== '' ? ':***' : ''}@${hostShown}${u.port !== '' ? `:${port}` : ''}` +
    `${database === null ? '' : `/${encodeURIComponent(database)}`}${u.searchParams.has('ssl') ? `?ssl=${ssl}` : ''}`;
  return { host, port, user, database, redacted, password, ssl };
}

/** Validate a connection URL; the result holds no password. */
export function parseUrl(url: string): ParsedUrl {
  const { host, port, user, database, redacted } = parseUrlWithSecret(url);
  return { host, port, user, database, redacted };
}
