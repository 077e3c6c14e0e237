import { plainLiteral, refuseLiteral, type SqlLiteralValue } from '../literal-parts.js';

export type { SqlLiteralValue };

/**
 * The one value-literal function of the PostgreSQL dialect, for the places that cannot take a
 * bind parameter (a view's definition: mask constants, regex patterns, predicate values,
 * policy names). Strings are single-quoted with quotes doubled; a string holding a backslash
 * is written as an escape string `E'…'` with backslashes doubled too, so that it reads the
 * same whatever `standard_conforming_strings` says. Nothing else is special inside a quoted
 * literal (`$$`, a comment end, `--`, `;` are plain text there).
 *
 * Refused: NUL (text cannot hold it; the wire protocol would cut the statement), lone UTF-16
 * surrogates, and non-finite numbers (see `plainLiteral`).
 */
export function quoteLiteral(value: SqlLiteralValue): string {
  const plain = plainLiteral(value);
  if (plain !== null) return plain;
  const text = value as string;
  if (text.includes('\u0000')) throw refuseLiteral('text contains a NUL character', 'PostgreSQL text cannot hold \\0');
  const quoted = text.replaceAll("'", "''");
  return text.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}
