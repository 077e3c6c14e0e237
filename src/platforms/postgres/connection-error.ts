import { redactSecrets, StewardError } from '../../domain/errors.js';

interface Where {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

/** The first error code found on a driver error, a Node socket error, or an AggregateError of them. */
function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const inner = (err as { errors?: unknown }).errors;
  return Array.isArray(inner) ? codeOf(inner[0]) : undefined;
}

function reasonFor(err: unknown, where: Where): { reason: string; hint: string } {
  const code = codeOf(err);
  switch (code) {
    case '28P01':
      return { reason: `password authentication failed for user "${where.user}"`, hint: 'check the user and password in the connection URL' };
    case '28000':
      return { reason: `the server rejected user "${where.user}"`, hint: 'check pg_hba.conf on the server allows this user, database and address' };
    case '3D000':
      return { reason: `database "${where.database}" does not exist`, hint: 'check the database name in the connection URL' };
    case '53300':
      return { reason: 'the server has too many connections', hint: 'retry later or raise max_connections' };
    case 'ECONNREFUSED':
      return { reason: 'connection refused', hint: `check that PostgreSQL is running and listening on ${where.host}:${where.port}` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason: `host "${where.host}" not found`, hint: 'check the host name in the connection URL' };
    case 'ETIMEDOUT':
      return { reason: 'connection timed out', hint: 'check the host, port and firewall' };
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return {
        reason: `the server's TLS certificate was not accepted (${redactSecrets(err instanceof Error ? err.message.split('\n')[0]! : code)})`,
        hint: 'pass the CA that signed it with sslrootcert=FILE; verify-ca does not check the host name, verify-full does; sslmode=require encrypts without checking',
      };
    default: {
      const message = err instanceof Error ? err.message : String(err);
      if (/timeout/i.test(message)) return { reason: 'connection timed out', hint: 'check the host, port and firewall' };
      // Driver messages never carry the password, but scrub anyway: this text leaves the process.
      return { reason: redactSecrets(message.split('\n')[0] ?? message), hint: 'check the connection URL and that the server is reachable' };
    }
  }
}

/**
 * Turn a failure to connect into StewardError('connection_failed') with a one-line reason that
 * names `host:port`, and a hint. Built only from the error code and the parsed URL parts, so no
 * password can reach the message.
 */
export function connectionError(err: unknown, where: Where): StewardError {
  const { reason, hint } = reasonFor(err, where);
  return new StewardError('connection_failed', `cannot connect to ${where.host}:${where.port}: ${reason}`, { hint, cause: err });
}
