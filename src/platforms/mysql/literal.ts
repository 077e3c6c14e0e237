import { plainLiteral, type SqlLiteralValue } from '../literal-parts.js';

export type { SqlLiteralValue };

/**
 * The one value-literal function of the MySQL/MariaDB dialects, for view definitions (mask
 * constants, regex patterns, predicate values, policy names). Strings are single-quoted with
 * `'` doubled, `\` doubled and NUL written `\0`: exact under the sql_mode the session pins
 * (without NO_BACKSLASH_ESCAPES; see session.ts), and never broken out of under any mode.
 * Nothing else is special inside a quoted literal (`$$`, a comment end, `--`, `#`, `;` are plain
 * text). Connections use utf8mb4, so a multi-byte character can never swallow the escaping
 * backslash. Refused: lone UTF-16 surrogates and non-finite numbers (see `plainLiteral`).
 */
export function quoteLiteral(value: SqlLiteralValue): string {
  const plain = plainLiteral(value);
  if (plain !== null) return plain;
  return `'${(value as string).replaceAll('\\', '\\\\').replaceAll("'", "''").replaceAll('\u0000', '\\0')}'`;
}
