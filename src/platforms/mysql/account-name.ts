import { accountGrantee, granteeLabel, roleGrantee, type Grantee } from '../../domain/access.js';
import { StewardError } from '../../domain/errors.js';
import { traitsOf, type Dialect } from './dialect.js';
import { quoteAccount, quoteString } from './quote.js';

/**
 * A grantee as the server knows it. `host` null: written without a host part, which names a
 * role (MariaDB looks roles up by bare name; on MySQL 8 a bare name means host '%').
 */
export interface Account {
  readonly user: string;
  readonly host: string | null;
}

/**
 * The server account a typed grantee stands for: a role is host-less (`'r'`), an account is
 * `'user'@'host'`. PUBLIC does not exist on MySQL. Nothing is parsed out of a name: a login
 * called `'root'@'localhost'` is that literal user name at the connection's host, never root.
 */
export function accountOf(g: Grantee): Account {
  if (g.kind === 'role') return { user: g.name, host: null };
  if (g.kind === 'account') return { user: g.user, host: g.host };
  throw new StewardError('invalid_input', 'compile: PUBLIC is not a MySQL/MariaDB grantee', {
    hint: 'the planner produced a grantee MySQL cannot express',
  });
}

/**
 * The typed grantee of an account read from the privilege tables: a role when it is one
 * (MariaDB: host '' — roles have no host; MySQL 8: a Steward role, a locked account at '%'),
 * otherwise the account itself, host included, so that a REVOKE reaches exactly it.
 */
export function granteeOfAccount(user: string, host: string, dialect: Dialect, rolePrefix: string): Grantee {
  if (dialect === 'mariadb') return host === '' ? roleGrantee(user) : accountGrantee(user, host);
  return host === traitsOf(dialect).roleHost && user.startsWith(rolePrefix) ? roleGrantee(user) : accountGrantee(user, host);
}

/** SQL text of an account: `'user'@'host'`, or `'role'` for a host-less role. */
export function formatAccount(account: Account): string {
  return account.host === null ? quoteString(account.user) : quoteAccount(account.user, account.host);
}

/** Resolve, check the length limits of the dialect, and format a grantee. */
export function accountSql(g: Grantee, dialect: Dialect): string {
  const account = accountOf(g);
  const traits = traitsOf(dialect);
  if ([...account.user].length > traits.maxUserNameLength) {
    throw new StewardError('invalid_input', `name: "${granteeLabel(g)}" is longer than ${traits.maxUserNameLength} characters`, {
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
