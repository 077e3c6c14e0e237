/**
 * mysql2 names errors by MySQL's errno table, but MariaDB and MySQL reuse the numbers above
 * ~1900 for different errors (MariaDB's 4151 "account is locked" comes back named
 * ER_BULK_PARSER_INCOMPLETE_ESCAPE_SEQUENCE). Below that the tables agree; above it the name is
 * rebuilt from the number, with the MariaDB codes this platform meets named by hand.
 */
const MARIADB_CODES: Readonly<Record<number, string>> = {
  1959: 'ER_INVALID_ROLE',
  4151: 'ER_ACCOUNT_HAS_BEEN_LOCKED',
};

/** The error's code as a name both dialects can trust, or undefined when it has none. */
export function driverErrorCode(err: unknown, dialect: 'mariadb' | 'mysql'): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, errno } = err as { code?: unknown; errno?: unknown };
  if (typeof errno === 'number' && errno >= 1900 && dialect === 'mariadb') return MARIADB_CODES[errno] ?? `ER_${errno}`;
  return typeof code === 'string' ? code : undefined;
}
