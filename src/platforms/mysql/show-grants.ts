/** One `GRANT … ON *.*` or `GRANT … ON \`db\`.*` line of SHOW GRANTS, as a privilege set. */
export interface GrantLine {
  /** null: `*.*`; else the database name or LIKE pattern of a database-level grant. */
  readonly database: string | null;
  /** Upper-case privilege names; `ALL PRIVILEGES` is kept as `ALL`. */
  readonly privileges: ReadonlySet<string>;
  readonly grantable: boolean;
}

/** Read a backtick identifier at `i`; returns it and the index after it. */
function readIdent(s: string, i: number): { name: string; end: number } | null {
  if (s[i] !== '`') return null;
  let name = '';
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '`') {
      if (s[j + 1] === '`') {
        name += '`';
        j++;
      } else return { name, end: j + 1 };
    } else name += s[j];
  }
  return null;
}

/** Index of `token` in `s` from `from`, outside backticks and parentheses; -1 when absent. */
function indexOutside(s: string, token: string, from: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '`') {
      const id = readIdent(s, i);
      if (id === null) return -1;
      i = id.end - 1;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && s.startsWith(token, i)) return i;
  }
  return -1;
}

/**
 * Parse one line of SHOW GRANTS into the global and database-level privileges it gives. Lines
 * about tables, routines, proxies and role memberships return null: the system account's needs
 * are all global or per database. Parsed rather than read from information_schema because
 * SHOW GRANTS also lists the privileges of the account's active role, which
 * USER_PRIVILEGES hides from an account without global SELECT.
 */
export function parseGrantLine(line: string): GrantLine | null {
  if (!line.startsWith('GRANT ')) return null;
  const on = indexOutside(line, ' ON ', 6);
  if (on < 0) return null;
  const privText = line.slice(6, on);
  let i = on + 4;
  let database: string | null;
  if (line.startsWith('*.*', i)) {
    database = null;
    i += 3;
  } else {
    const id = readIdent(line, i);
    if (id === null || !line.startsWith('.*', id.end)) return null;
    database = id.name;
    i = id.end + 2;
  }
  const to = indexOutside(line, ' TO ', i);
  if (to < 0) return null;
  // Skip the grantee (`user`@`host` or `role`) so that its name cannot fake an option.
  let j = to + 4;
  const user = readIdent(line, j);
  if (user === null) return null;
  j = user.end;
  if (line[j] === '@') {
    const host = readIdent(line, j + 1);
    if (host === null) return null;
    j = host.end;
  }
  const grantable = /\bWITH\b.*\bGRANT OPTION\b/.test(line.slice(j));
  const privileges = new Set<string>();
  let start = 0;
  for (;;) {
    const comma = indexOutside(privText, ',', start);
    const part = (comma < 0 ? privText.slice(start) : privText.slice(start, comma)).trim();
    // Column privileges (`SELECT (a, b)`) only exist on tables, never here.
    if (part !== '' && !part.includes('(')) privileges.add(part.toUpperCase() === 'ALL PRIVILEGES' ? 'ALL' : part.toUpperCase());
    if (comma < 0) break;
    start = comma + 1;
  }
  return { database, privileges, grantable };
}

/**
 * Whether a database-level grant pattern covers `db`: in GRANT … ON `pattern`.*, `%` and `_`
 * are wildcards and `\` escapes them, as in LIKE.
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
