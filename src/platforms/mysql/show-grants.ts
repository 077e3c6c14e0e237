/** One `GRANT … ON …` line of SHOW GRANTS: global, database-level or table-level privileges. */
export interface GrantLine {
  /** null: `*.*`; else the database name or LIKE pattern (database level), or a table's database. */
  readonly database: string | null;
  /** A table-level line: the table; null on global and database-level lines. */
  readonly table: string | null;
  /** Upper-case privilege names on the whole object; `ALL PRIVILEGES` is kept as `ALL`. */
  readonly privileges: ReadonlySet<string>;
  /** Column privileges of a table-level line: privilege → columns. */
  readonly columns: ReadonlyMap<string, ReadonlySet<string>>;
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
 * Parse one line of SHOW GRANTS into the privileges it gives on `*.*`, a database (pattern) or a
 * table, with column privileges. Lines about routines, proxies and role memberships return
 * null. Parsed rather than read from information_schema because SHOW GRANTS also lists the
 * privileges of the account's active role, which the *_PRIVILEGES views hide from an account
 * without global SELECT.
 */
export function parseGrantLine(line: string): GrantLine | null {
  if (!line.startsWith('GRANT ')) return null;
  const on = indexOutside(line, ' ON ', 6);
  if (on < 0) return null;
  const privText = line.slice(6, on);
  let i = on + 4;
  let database: string | null;
  let table: string | null = null;
  if (line.startsWith('*.*', i)) {
    database = null;
    i += 3;
  } else {
    const id = readIdent(line, i);
    if (id === null || line[id.end] !== '.') return null;
    database = id.name;
    if (line[id.end + 1] === '*') i = id.end + 2;
    else {
      const t = readIdent(line, id.end + 1);
      if (t === null) return null;
      table = t.name;
      i = t.end;
    }
  }
  const to = indexOutside(line, ' TO ', i);
  if (to !== i) return null;
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
  const columns = new Map<string, Set<string>>();
  let start = 0;
  for (;;) {
    const comma = indexOutside(privText, ',', start);
    const part = (comma < 0 ? privText.slice(start) : privText.slice(start, comma)).trim();
    const paren = part.indexOf('(');
    if (paren >= 0) {
      const name = part.slice(0, paren).trim().toUpperCase();
      const cols = columns.get(name) ?? new Set<string>();
      for (const c of identList(part.slice(paren + 1, part.lastIndexOf(')')))) cols.add(c);
      columns.set(name, cols);
    } else if (part !== '') privileges.add(part.toUpperCase() === 'ALL PRIVILEGES' ? 'ALL' : part.toUpperCase());
    if (comma < 0) break;
    start = comma + 1;
  }
  return { database, table, privileges, columns, grantable };
}

/** The names of a column list: `` `a`, `b` ``. */
function identList(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '`') {
      const id = readIdent(text, i);
      if (id === null) break;
      out.push(id.name);
      i = id.end;
    } else i++;
  }
  return out;
}
