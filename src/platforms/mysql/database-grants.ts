import type { AccessScope, Grant, Grantee, Privilege, Securable } from '../../domain/access.js';
import { accountOf, formatAccount } from './account-name.js';
import { databaseTablesQuery, serverDatabasesQuery } from './actual-state.sql.js';
import { databasePatternMatches, escapedNameFits, exactDatabaseOf } from './database-pattern.js';
import { text, type QueryFn } from './query.js';
import { quoteIdent } from './quote.js';
import { parseGrantLine, type GrantLine } from './show-grants.js';

/** One `mysql.db` row with the data privileges it gives. */
export interface DatabaseGrantRow {
  /** `Db` as stored: a LIKE pattern. */
  readonly pattern: string;
  readonly user: string;
  readonly host: string;
  readonly privileges: readonly Privilege[];
}

export interface DatabaseGrantContext {
  readonly scope: AccessScope;
  readonly granteeOf: (user: string, host: string) => Grantee;
  /** One of Steward's own roles: in scope wherever its grants are, never narrowed. */
  readonly ownRole: (user: string, host: string) => boolean;
  /** The system account or an ignored grantee: never in scope. */
  readonly skip: (user: string, host: string) => boolean;
}

/**
 * The database-level grants in scope, in the neutral model. Steward roles' grants anywhere;
 * anyone else's when the stored pattern reaches a database holding protected tables (or
 * protected whole). A foreign grant is then
 * - revocable by the system account only when it holds the same privileges WITH GRANT OPTION
 *   on `*.*` or on that very pattern (the server compares a pattern in REVOKE with the
 *   revoker's patterns as patterns, so `my\_db` does not cover `my_db`): else `revokeBlocked`
 *   says so, with the statement an administrator can run;
 * - narrowed when it also reaches what is not protected: the unprotected tables of a partly
 *   protected database, and every other database the pattern matches (as an exact grant).
 * The server's own grants and database list are read only when a foreign grant needs them.
 */
export async function databaseGrantsInScope(query: QueryFn, rows: readonly DatabaseGrantRow[], ctx: DatabaseGrantContext): Promise<Grant[]> {
  const { scope } = ctx;
  const whole = new Set(scope.protectedDatabases);
  const withTables = new Set<string>();
  for (const t of scope.protectedTables) if (t.kind === 'table') withTables.add(t.segments[0]!);
  const reached = [...new Set([...whole, ...withTables])];
  const unprotected = new Map<string, Securable[]>();
  for (const t of scope.unprotectedTables ?? []) {
    const db = t.segments[0]!;
    const list = unprotected.get(db);
    if (list === undefined) unprotected.set(db, [t]);
    else list.push(t);
  }
  let own: Promise<GrantLine[]> | null = null;
  let server: Promise<string[]> | null = null;
  const ownGrants = (): Promise<GrantLine[]> =>
    (own ??= query({ sql: 'SHOW GRANTS', values: [] }).then((r) => r.map((x) => parseGrantLine(text(Object.values(x)[0]))).filter((l): l is GrantLine => l !== null)));
  const serverDatabases = (): Promise<string[]> => (server ??= query(serverDatabasesQuery()).then((r) => r.map((x) => text(x.db)).sort()));

  const out: Grant[] = [];
  for (const row of rows) {
    if (row.privileges.length === 0) continue;
    const exact = exactDatabaseOf(row.pattern);
    const securable: Securable = exact !== null ? { kind: 'database', segments: [exact] } : { kind: 'database', segments: [row.pattern], pattern: true };
    const grantee = ctx.granteeOf(row.user, row.host);
    if (ctx.ownRole(row.user, row.host)) {
      out.push({ securable, grantee, privileges: row.privileges });
      continue;
    }
    if (ctx.skip(row.user, row.host)) continue;
    const reaches = exact !== null ? whole.has(exact) || withTables.has(exact) : reached.some((d) => databasePatternMatches(row.pattern, d));
    if (!reaches) continue;
    const matched = exact !== null ? [exact] : (await serverDatabases()).filter((d) => databasePatternMatches(row.pattern, d));
    if (!revocable(await ownGrants(), row.pattern, row.privileges)) {
      const outside = matched.filter((d) => !whole.has(d)).map((d) => (withTables.has(d) ? `${d} (its unprotected tables)` : d));
      out.push({ securable, grantee, privileges: row.privileges, revokeBlocked: blockedReason(row, grantee, outside) });
      continue;
    }
    const narrowTo: Securable[] = [];
    for (const db of matched) {
      if (whole.has(db)) continue;
      if (withTables.has(db)) narrowTo.push(...(unprotected.get(db) ?? []));
      else if (escapedNameFits(db)) narrowTo.push({ kind: 'database', segments: [db] });
      else for (const r of await query(databaseTablesQuery(db))) narrowTo.push({ kind: 'table', segments: [db, text(r.tbl)] });
    }
    out.push({ securable, grantee, privileges: row.privileges, ...(narrowTo.length > 0 ? { narrowTo } : {}) });
  }
  return out;
}

/**
 * Whether the system account may REVOKE these privileges at this pattern: it holds them and
 * the grant option on `*.*`, or at the same stored pattern. (A broader pattern of its own may
 * also do on the server; not crediting it only ever reports a revocation as blocked that an
 * administrator then runs, never one as done that did not happen.)
 */
function revocable(lines: readonly GrantLine[], pattern: string, privileges: readonly Privilege[]): boolean {
  const atLevel = (level: string | null): boolean => {
    const here = lines.filter((l) => l.table === null && l.database === level);
    const held = new Set(here.flatMap((l) => [...l.privileges]));
    return here.some((l) => l.grantable) && (held.has('ALL') || privileges.every((p) => held.has(p)));
  };
  return atLevel(null) || atLevel(pattern);
}

function blockedReason(row: DatabaseGrantRow, grantee: Grantee, outside: readonly string[]): string {
  const revoke = `REVOKE ${row.privileges.join(', ')} ON ${quoteIdent(row.pattern)}.* FROM ${formatAccount(accountOf(grantee))}`;
  const also = outside.length > 0 ? ` It also reaches ${outside.join(', ')}: grant those back to keep that access.` : '';
  return (
    `the database-level grant on ${quoteIdent(row.pattern)}.* reaches protected tables, and revoking it needs ${row.privileges.join(', ')} WITH GRANT OPTION ` +
    `on that same pattern or on *.*, which the system account does not hold. An administrator can run: ${revoke}.${also}`
  );
}
