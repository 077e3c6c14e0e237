import { StewardError } from '../../domain/errors.js';
import { traitsOf, type Dialect } from './dialect.js';
import { quoteAccount, quoteString, unquoteString } from './quote.js';

/**
 * A grantee as the server knows it. `host` null: written without a host part, which names a
 * role (MariaDB looks roles up by bare name; on MySQL 8 a bare name means host '%').
 */
export interface Account {
  readonly user: string;
  readonly host: string | null;
}

/** What decides how neutral names map to accounts on one connection. */
export interface AccountNaming {
  readonly dialect: Dialect;
  readonly rolePrefix: string;
  readonly hostPattern: string;
}

/**
 * Neutral names are bare: a name starting with the role prefix is a Steward role, any other
 * name is a user account at `hostPattern`. Grants and memberships found on other accounts
 * (a hand-made grant to `'bob'@'localhost'`, to a non-Steward MariaDB role) must still
 * round-trip to a REVOKE that hits them, so those are named by their account literal,
 * `'bob'@'localhost'` or `'role'` — text no principal template produces.
 */
export function accountOfName(name: string, naming: AccountNaming): Account {
  if (name.startsWith("'")) return parseLiteral(name);
  if (name.startsWith(naming.rolePrefix)) return { user: name, host: null };
  return { user: name, host: naming.hostPattern };
}

/** The neutral name of an account read from the privilege tables: the inverse of `accountOfName`. */
export function nameOfAccount(user: string, host: string, naming: AccountNaming): string {
  const prefixed = user.startsWith(naming.rolePrefix);
  // A bare name starting with a quote would read back as a literal: such users get one.
  const bareOk = !user.startsWith("'");
  if (bareOk && prefixed && host === traitsOf(naming.dialect).roleHost) return user;
  if (bareOk && !prefixed && host === naming.hostPattern) return user;
  // MariaDB roles have host '' and cannot be addressed as `'r'@''` (the server reads '' as '%').
  if (naming.dialect === 'mariadb' && host === '') return quoteString(user);
  return quoteAccount(user, host);
}

/** SQL text of an account: `'user'@'host'`, or `'role'` for a host-less role. */
export function formatAccount(account: Account): string {
  return account.host === null ? quoteString(account.user) : quoteAccount(account.user, account.host);
}

/** Resolve, check the length limits of the dialect, and format a neutral name. */
export function accountSql(name: string, naming: AccountNaming): string {
  const account = accountOfName(name, naming);
  const traits = traitsOf(naming.dialect);
  if ([...account.user].length > traits.maxUserNameLength) {
    throw new StewardError('invalid_input', `name: "${account.user}" is longer than ${traits.maxUserNameLength} characters`, {
      hint: `${traits.label} user and role names are at most ${traits.maxUserNameLength} characters`,
    });
  }
  if (account.host !== null && [...account.host].length > traits.maxHostLength) {
    throw new StewardError('invalid_input', `host: longer than ${traits.maxHostLength} characters`, {
      hint: 'check the hostPattern option of the connection',
    });
  }
  return formatAccount(account);
}

/** `CURRENT_USER()` is `user@host`: split at the last `@` (a user name may hold `@`, a host may not). */
export function splitCurrentUser(current: string): { user: string; host: string } {
  const at = current.lastIndexOf('@');
  return at < 0 ? { user: current, host: '%' } : { user: current.slice(0, at), host: current.slice(at + 1) };
}

function parseLiteral(name: string): Account {
  const bad = (): StewardError =>
    new StewardError('invalid_input', `name: ${name} is not an account literal`, {
      hint: "write accounts at another host as 'user'@'host' and roles as 'role'",
    });
  const user = unquoteString(name);
  if (user === null) throw bad();
  if (user.rest === '') return { user: user.value, host: null };
  if (!user.rest.startsWith('@')) throw bad();
  const host = unquoteString(user.rest.slice(1));
  if (host === null || host.rest !== '') throw bad();
  return { user: user.value, host: host.value };
}
