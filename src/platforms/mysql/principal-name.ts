import type { PrincipalNameRule } from '../../domain/principal-name.js';
import { traitsOf, type Dialect } from './dialect.js';

/**
 * MySQL and MariaDB user names (checked on MariaDB 10.11): the `User` column is
 * `char(N) utf8mb3_bin`, so trailing spaces are dropped on store (`'bob '` becomes `'bob'`) and
 * characters outside the Basic Multilingual Plane cannot be stored at all; N is 128 on MariaDB,
 * 32 on MySQL 8. A name starting with `'` is how Steward writes an account literal
 * (`'user'@'host'`), so a login spelled that way would address some other account.
 */
export function mysqlPrincipalName(dialect: Dialect): PrincipalNameRule {
  const traits = traitsOf(dialect);
  return {
    label: traits.label,
    maxLength: traits.maxUserNameLength,
    lengthUnit: 'characters',
    bmpOnly: true,
    trimsTrailingSpaces: true,
    foldsToLowercase: false,
    reserved: [{ pattern: /^'/, why: "starts with a quote, which Steward reads as an account literal ('user'@'host')" }],
  };
}
