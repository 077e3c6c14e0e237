/**
 * The two SQL dialects of this folder. MariaDB and MySQL 8 share the catalog, the privilege
 * tables and the GRANT grammar for objects, and differ in roles: MariaDB roles are host-less
 * entries (`is_role='Y'`, host ''), one active at a time, with `SET DEFAULT ROLE r FOR u`;
 * MySQL 8 roles are locked accounts at host '%', many active, with `SET DEFAULT ROLE r TO u`.
 */
export type Dialect = 'mariadb' | 'mysql';

/** Per-dialect facts the compiler, the readers and the capabilities all rely on. */
export interface DialectTraits {
  readonly dialect: Dialect;
  /** Host column value of a role in the privilege tables. */
  readonly roleHost: string;
  /**
   * Longest user or role name. MariaDB 10.6+ (checked on 10.11: 128 accepted, 129 rejected
   * with ER_WRONG_STRING_LENGTH); MySQL 8: 32.
   */
  readonly maxUserNameLength: number;
  /** Longest host part of an account (both: 255). */
  readonly maxHostLength: number;
  /** Human name for messages. */
  readonly label: string;
}

const TRAITS: Record<Dialect, DialectTraits> = {
  mariadb: { dialect: 'mariadb', roleHost: '', maxUserNameLength: 128, maxHostLength: 255, label: 'MariaDB' },
  mysql: { dialect: 'mysql', roleHost: '%', maxUserNameLength: 32, maxHostLength: 255, label: 'MySQL 8' },
};

/** The traits of a dialect. */
export function traitsOf(dialect: Dialect): DialectTraits {
  return TRAITS[dialect];
}
