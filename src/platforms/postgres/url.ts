import type { ParsedUrl } from '../platform.js';
import { StewardError } from '../../domain/errors.js';

const HINT = 'expected postgres://user:password@host:5432/database';
/** scheme :// authority [/path] [?query] [#fragment], split by hand so each problem is named precisely. */
const URL_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?(#.*)?$/s;
const HOST_PORT_RE = /^(\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/s;

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

/**
 * Validate a `postgres://` or `postgresql://` URL and return its displayable parts. Messages
 * name the field at fault and never echo the URL (it may hold a password); `redacted` is the
 * URL with its password replaced by `***`. A missing database is `null`: the server then uses
 * the user's name, as libpq does.
 */
export function parseUrl(url: string): ParsedUrl {
  const m = URL_RE.exec(url.trim());
  if (!m) throw bad('is not a URL of the form scheme://user@host/database');
  const [, scheme = '', authority = '', path = '', query = ''] = m;
  if (scheme.toLowerCase() !== 'postgres' && scheme.toLowerCase() !== 'postgresql') {
    throw bad(`scheme must be postgres:// or postgresql://, not ${scheme.toLowerCase()}://`);
  }
  // The password may contain '@' when not percent-encoded: the host starts after the last one.
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at);
  const hostport = at < 0 ? authority : authority.slice(at + 1);
  const colon = userinfo.indexOf(':');
  const rawUser = colon < 0 ? userinfo : userinfo.slice(0, colon);
  const hasPassword = colon >= 0;

  const hp = HOST_PORT_RE.exec(hostport);
  if (!hp) throw bad('host is malformed');
  const rawHost = hp[1] ?? '';
  const rawPort = hp[2];
  const host = decode(rawHost.replace(/^\[(.*)\]$/s, '$1'), 'host');
  if (host === '') throw bad('host is missing');
  let port = 5432;
  if (rawPort !== undefined) {
    if (!/^\d{1,5}$/.test(rawPort)) throw bad('port must be a number between 1 and 65535');
    port = Number(rawPort);
    if (port < 1 || port > 65535) throw bad('port must be a number between 1 and 65535');
  }
  const user = decode(rawUser, 'user');
  if (user === '') throw bad('user is missing');
  const dbPath = path.replace(/^\//, '');
  if (dbPath.includes('/')) throw bad('database must be a single path segment');
  const database = dbPath === '' ? null : decode(dbPath, 'database');

  const redactedUserinfo = at < 0 ? '' : `${rawUser}${hasPassword ? ':***' : ''}@`;
  const redacted = `${scheme.toLowerCase()}://${redactedUserinfo}${hostport}${path}${query}`;
  return { host, port, user, database, redacted };
}
