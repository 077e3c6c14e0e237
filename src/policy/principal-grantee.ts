import { accountGrantee, roleGrantee, type Grantee } from '../domain/access.js';
import type { ConnectionOptions } from '../domain/connection.js';
import type { Capabilities } from '../platforms/platform.js';

/**
 * The grantee a governed user's principal (database login) stands for on a connection: a role
 * on PostgreSQL, the account `'login'@'<hostPattern>'` on MySQL and MariaDB. Decided by a
 * capability flag, never by the platform's name.
 */
export function principalGrantee(caps: Pick<Capabilities, 'principalsAreAccounts'>, options: Pick<ConnectionOptions, 'hostPattern'>): (principal: string) => Grantee {
  return caps.principalsAreAccounts ? (p) => accountGrantee(p, options.hostPattern) : (p) => roleGrantee(p);
}
