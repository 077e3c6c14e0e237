import { redactSecrets, StewardError } from '../../domain/errors.js';
import type { Dialect } from './dialect.js';
import { driverErrorCode } from './driver-error-code.js';

/** Driver error codes that tell the user what to fix, with the fix. */
const KNOWN: Readonly<Record<string, { reason: string; hint: string }>> = {
  ER_ACCESS_DENIED_ERROR: { reason: 'access denied', hint: 'check the user name and password in the connection URL' },
  ER_DBACCESS_DENIED_ERROR: { reason: 'access to the database in the URL is denied', hint: 'grant the system account access to that database, or drop it from the URL' },
  ER_BAD_DB_ERROR: { reason: 'the database in the URL does not exist', hint: 'fix the database name in the URL, or leave it out' },
  ER_HOST_NOT_PRIVILEGED: { reason: 'this host may not connect', hint: "create the system account at a host that matches Steward's address" },
  ER_ACCOUNT_HAS_BEEN_LOCKED: { reason: 'the account is locked', hint: 'unlock it: ALTER USER … ACCOUNT UNLOCK' },
  ECONNREFUSED: { reason: 'connection refused', hint: 'is the server running and listening on this host and port?' },
  ENOTFOUND: { reason: 'host not found', hint: 'check the host name in the URL (DNS lookup failed)' },
  EAI_AGAIN: { reason: 'host lookup failed', hint: 'DNS is not answering; retry, or use an IP address' },
  ETIMEDOUT: { reason: 'connection timed out', hint: 'check the host, port and firewall rules between Steward and the server' },
  ECONNRESET: { reason: 'connection reset by the server', hint: 'check TLS settings (?ssl=true) and the server logs' },
};

/**
 * Turn a driver failure while connecting into a one-line StewardError naming `host:port`. Our
 * own wording for known codes (server messages can quote the account); anything else passes
 * through `redactSecrets`. The password never reaches this function.
 */
export function connectError(err: unknown, host: string, port: number, dialect: Dialect): StewardError {
  const code = driverErrorCode(err, dialect);
  const known = typeof code === 'string' ? KNOWN[code] : undefined;
  const where = `${host}:${port}`;
  if (known !== undefined) {
    return new StewardError('connection_failed', `${where}: ${known.reason}`, { hint: known.hint, details: { code }, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new StewardError('connection_failed', `${where}: ${redactSecrets(message.replace(/\s+/g, ' ').trim())}`, {
    hint: 'check the connection URL and that the server is reachable',
    ...(typeof code === 'string' ? { details: { code } } : {}),
    cause: err,
  });
}
