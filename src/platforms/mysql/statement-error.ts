import { redactSecrets } from '../../domain/errors.js';
import type { Dialect } from './dialect.js';
import { driverErrorCode } from './driver-error-code.js';

/**
 * One line for a failed statement: the server's error code and message, with anything that
 * looks like a credential removed (a message can quote the statement it failed on).
 */
export function statementError(err: unknown, dialect: Dialect): string {
  if (err instanceof Error) {
    const code = driverErrorCode(err, dialect);
    const prefix = code === undefined ? '' : `${code}: `;
    return redactSecrets(`${prefix}${err.message}`.replace(/\s+/g, ' ').trim());
  }
  return redactSecrets(String(err));
}
