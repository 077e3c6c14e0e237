import type { ConnectionOptions } from '../../domain/connection.js';
import type { CheckReport, PrivilegeCheck } from '../platform.js';
import { SYSTEM_DATABASES } from './catalog.sql.js';
import { splitCurrentUser } from './account-name.js';
import type { Dialect } from './dialect.js';
import { text, type QueryFn } from './query.js';
import { quoteAccount, quoteIdent, quoteString } from './quote.js';
import { governedDatabases } from './governed-databases.js';
import { databasePatternMatches, parseGrantLine, type GrantLine } from './show-grants.js';

/** What `check` needs to know about the connection. */
export interface CheckInput {
  readonly dialect: Dialect;
  /** Connection name: the first segment of every protect glob. */
  readonly connection: string;
  readonly options: ConnectionOptions;
}

/** The seed's least-privilege sync account: list databases, read tables and view definitions. */
const SYNC_PRIVILEGES = ['SHOW DATABASES', 'SELECT', 'SHOW VIEW'] as const;
/** Privileges Steward grants on governed databases, so it must hold them WITH GRANT OPTION. */
const DATA_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

const SYNC_DETAIL: Record<(typeof SYNC_PRIVILEGES)[number], string> = {
  'SHOW DATABASES': 'discover every database',
  SELECT: 'read column metadata and the privilege tables of the mysql database',
  'SHOW VIEW': 'read view definitions',
};

function holds(lines: readonly GrantLine[], privilege: string, db: string | null, grantable: boolean): boolean {
  return lines.some(
    (l) =>
      (l.database === null || (db !== null && databasePatternMatches(l.database, db))) &&
      (l.privileges.has(privilege) || l.privileges.has('ALL')) &&
      (!grantable || l.grantable),
  );
}

/** A MariaDB server for the mariadb dialect, MySQL 8+ for the mysql one. */
function serverCheck(dialect: Dialect, version: string): PrivilegeCheck {
  const isMaria = /mariadb/i.test(version);
  const [major = 0, minor = 0] = (/^(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  if (dialect === 'mariadb') {
    if (!isMaria) return { what: 'MariaDB server', ok: false, detail: `server is MySQL ${version}: register the connection with type mysql` };
    // ACCOUNT LOCK and mysql.global_priv arrived in 10.4.
    const ok = major > 10 || (major === 10 && minor >= 4);
    return { what: 'MariaDB 10.4 or later', ok, detail: `server ${version}` };
  }
  if (isMaria) return { what: 'MySQL 8 server', ok: false, detail: `server is MariaDB ${version}: register the connection with type mariadb` };
  return { what: 'MySQL 8.0 or later', ok: major >= 8, detail: `server ${version}` };
}

/**
 * Report what the system account can do, read from SHOW GRANTS: the seed's sync privileges,
 * the privileges enforcement needs, and the exact GRANT statements that would add what is
 * missing (nothing more: a check never suggests a broader grant than needed).
 */
export async function check(query: QueryFn, input: CheckInput): Promise<CheckReport> {
  const [identity, grantRows, dbRows] = await Promise.all([
    query({ sql: 'SELECT VERSION() AS version, CURRENT_USER() AS account', values: [] }),
    query({ sql: 'SHOW GRANTS', values: [] }),
    query({ sql: 'SHOW DATABASES', values: [] }),
  ]);
  const version = text(identity[0]?.version);
  const current = text(identity[0]?.account);
  const me = splitCurrentUser(current);
  const account = quoteAccount(me.user, me.host);
  const lines = grantRows.map((r) => parseGrantLine(text(Object.values(r)[0]))).filter((l): l is GrantLine => l !== null);
  const visible = dbRows.map((r) => text(Object.values(r)[0])).filter((d) => !SYSTEM_DATABASES.includes(d));
  const configured = input.options.databases;
  const databases = configured === null ? visible : visible.filter((d) => configured.includes(d));
  const grantSql: string[] = [];

  const sync: PrivilegeCheck[] = SYNC_PRIVILEGES.map((p) => ({ what: `${p} on *.*`, ok: holds(lines, p, null, false), detail: SYNC_DETAIL[p] }));
  const missingSync = SYNC_PRIVILEGES.filter((p) => !holds(lines, p, null, false));
  if (missingSync.length > 0) grantSql.push(`GRANT ${missingSync.join(', ')} ON *.* TO ${account};`);
  for (const db of configured ?? []) {
    if (!visible.includes(db)) sync.push({ what: `database ${db}`, ok: false, detail: 'configured in databases but not visible: it does not exist or the account cannot see it' });
  }

  const enforcement: PrivilegeCheck[] = [serverCheck(input.dialect, version)];
  const globalNeeds: { privilege: string; detail: string }[] =
    input.dialect === 'mariadb'
      ? [{ privilege: 'CREATE USER', detail: 'create and drop roles, create locked accounts for governed users' }]
      : [
          { privilege: 'CREATE USER', detail: 'create and drop roles, create locked accounts, set default roles' },
          { privilege: 'ROLE_ADMIN', detail: 'grant and revoke role memberships' },
        ];
  const missingGlobal: string[] = [];
  for (const need of globalNeeds) {
    const ok = holds(lines, need.privilege, null, false);
    enforcement.push({ what: `${need.privilege} on *.*`, ok, detail: need.detail });
    if (!ok) missingGlobal.push(need.privilege);
  }
  if (missingGlobal.length > 0) grantSql.push(`GRANT ${missingGlobal.join(', ')} ON *.* TO ${account};`);
  if (input.dialect === 'mariadb') {
    // MariaDB checks UPDATE on the mysql database for SET DEFAULT ROLE … FOR another user
    // (verified on 10.11: CREATE USER alone gets error 1044). It is a broad privilege: say so.
    const ok = holds(lines, 'UPDATE', 'mysql', false);
    enforcement.push({ what: 'UPDATE on mysql.*', ok, detail: 'SET DEFAULT ROLE … FOR a governed user; also lets the account edit the grant tables' });
    if (!ok) grantSql.push(`GRANT UPDATE ON ${quoteIdent('mysql')}.* TO ${account};`);
    // MariaDB grants a role only with its ADMIN OPTION (CREATE USER is not enough): roles Steward
    // created have it, roles someone else created under the prefix need it given.
    const orphans = await rolesWithoutAdmin(query, input.options.rolePrefix, me);
    if (orphans !== null) {
      enforcement.push({
        what: `ADMIN OPTION on existing ${input.options.rolePrefix}* roles`,
        ok: orphans.length === 0,
        ...(orphans.length > 0 ? { detail: `missing on: ${orphans.join(', ')}` } : {}),
      });
      for (const role of orphans) grantSql.push(`GRANT ${quoteString(role)} TO ${account} WITH ADMIN OPTION;`);
    }
  }

  for (const db of governedDatabases(input.connection, input.options.protect, databases, configured)) {
    const missing = DATA_PRIVILEGES.filter((p) => !holds(lines, p, db, true));
    enforcement.push({
      what: `${DATA_PRIVILEGES.join(', ')} on ${quoteIdent(db)}.* WITH GRANT OPTION`,
      ok: missing.length === 0,
      ...(missing.length > 0 ? { detail: `missing: ${missing.join(', ')}` } : {}),
    });
    if (missing.length > 0) grantSql.push(`GRANT ${missing.join(', ')} ON ${quoteIdent(db)}.* TO ${account} WITH GRANT OPTION;`);
  }
  return { serverVersion: version, user: current, databases, sync, enforcement, grantSql };
}

/** MariaDB prefix roles the account is not admin of; null when mysql.* cannot be read (reported above). */
async function rolesWithoutAdmin(query: QueryFn, prefix: string, me: { user: string; host: string }): Promise<string[] | null> {
  try {
    const rows = await query({
      sql:
        "SELECT u.User AS role FROM mysql.user u WHERE u.is_role = 'Y' AND LEFT(u.User, CHAR_LENGTH(?)) = ? " +
        "AND NOT EXISTS (SELECT 1 FROM mysql.roles_mapping m WHERE m.Role = u.User AND m.User = ? AND m.Host = ? AND m.Admin_option = 'Y') " +
        'ORDER BY u.User',
      values: [prefix, prefix, me.user, me.host],
    });
    return rows.map((r) => text(r.role));
  } catch {
    return null;
  }
}
