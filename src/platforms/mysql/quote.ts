import { StewardError } from '../../domain/errors.js';

/** MySQL and MariaDB limit database, table and column names to 64 characters. */
const MAX_IDENT_LENGTH = 64;

function reject(what: string, problem: string): StewardError {
  return new StewardError('invalid_input', `${what}: ${problem}`, {
    hint: 'MySQL and MariaDB names cannot contain NUL and identifiers are at most 64 characters',
  });
}

/**
 * The one identifier-quoting function of the MySQL/MariaDB dialects: wrap in backticks and
 * double every backtick inside. Backtick quoting has no escape character, so the result means
 * the same under every `sql_mode` (ANSI_QUOTES and NO_BACKSLASH_ESCAPES included).
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw reject('identifier', 'empty name');
  if (name.includes('\0')) throw reject('identifier', 'contains NUL');
  // The limit is in characters, not UTF-16 code units.
  if ([...name].length > MAX_IDENT_LENGTH) throw reject('identifier', `longer than ${MAX_IDENT_LENGTH} characters`);
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * Quote a string literal for the places where the grammar wants text and a bind parameter is
 * not allowed: account names (`'user'@'host'`) and role names in CREATE/GRANT/SET DEFAULT ROLE.
 * A quote is doubled (valid in every sql_mode); a backslash is doubled, which is exact under the
 * default sql_mode — the session pins the mode without NO_BACKSLASH_ESCAPES so that this holds,
 * and even without that pin the literal can never be broken out of (it then only reads the
 * backslash twice). Connections use utf8mb4, so no multi-byte charset can swallow a backslash.
 */
export function quoteString(value: string): string {
  if (value.includes('\0')) throw reject('name', 'contains NUL');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** An account name `'user'@'host'`, both parts as string literals. */
export function quoteAccount(user: string, host: string): string {
  return `${quoteString(user)}@${quoteString(host)}`;
}

/**
 * Read back a literal written by `quoteString`; returns the value and the rest of the text, or
 * null when `text` does not start with such a literal. Only the two escapes `quoteString` emits
 * are accepted, so `unquoteString(quoteString(x))` is the only way in.
 */
export function unquoteString(text: string): { value: string; rest: string } | null {
  if (!text.startsWith("'")) return null;
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '\\') {
      if (next !== '\\') return null;
      value += '\\';
      i++;
    } else if (c === "'") {
      if (next === "'") {
        value += "'";
        i++;
      } else {
        return { value, rest: text.slice(i + 1) };
      }
    } else {
      value += c;
    }
  }
  return null;
}
