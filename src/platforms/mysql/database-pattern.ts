/*
 * The name in a database-level grant (`GRANT … ON name.*`) is not a name but a LIKE pattern,
 * stored as written in `mysql.db`.`Db`: `_` matches any one character, `%` any run, and `\`
 * makes the next character literal. So `GRANT … ON my_db.*` also reaches `myXdb`, and only
 * `my\_db` means the database `my_db`. Every database name Steward writes in such a grant goes
 * through `escapeDatabasePattern`, and every stored pattern it reads is classified here.
 */

/** Characters written with a `\` before them in an exact database-level grant. */
const SPECIAL = /[\\_%]/g;

/** `Db` is CHAR(64): a longer escaped name is refused by the server ("Incorrect database name"). */
export const MAX_PATTERN_LENGTH = 64;

/** The capability data the policy engine reads (see `Capabilities.databaseGrants`). */
export const DATABASE_GRANTS = { escaped: '\\_%', maxPatternLength: MAX_PATTERN_LENGTH } as const;

/** The pattern that matches exactly the database `name`: `\` before each `_`, `%` and `\`. */
export function escapeDatabasePattern(name: string): string {
  return name.replace(SPECIAL, '\\$&');
}

/** Whether the exact grant pattern of `name` fits the server's limit (else grant table by table). */
export function escapedNameFits(name: string): boolean {
  return [...escapeDatabasePattern(name)].length <= MAX_PATTERN_LENGTH;
}

/**
 * The one database a stored pattern stands for, when it is exactly `escapeDatabasePattern` of a
 * name; null when it holds a wildcard, or is exact but spelt otherwise (`sh\op`): those are
 * kept as patterns and written back verbatim, so that a REVOKE names the stored row.
 */
export function exactDatabaseOf(pattern: string): string | null {
  let name = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '_' || c === '%') return null;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined || !'\\_%'.includes(next)) return null;
      name += next;
      i++;
    } else name += c;
  }
  return name;
}

/**
 * Whether a database-level grant pattern reaches `db`, as the server matches it: `%` any run,
 * `_` one character, `\` + a character that character (a trailing `\` is itself). Case
 * sensitive, as database names are on Linux (`lower_case_table_names = 0`).
 */
export function databasePatternMatches(pattern: string, db: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRe(pattern[i + 1]!);
      i++;
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 'su').test(db);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
