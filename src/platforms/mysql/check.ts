import type { ConnectionOptions } from '../../domain/connection.js';
import type { CheckOptions, CheckReport, PrivilegeCheck } from '../platform.js';
import { secureLocations } from '../../policy/secure-locations.js';
import { SYSTEM_DATABASES } from './catalog.sql.js';
import { splitCurrentUser } from './account-name.js';
import { databasePatternMatches, escapeDatabasePattern, exactDatabaseOf } from './database-pattern.js';
import type { Dialect } from './dialect.js';
import { text, type QueryFn } from './query.js';
import { quoteAccount, quoteIdent, quoteString } from './quote.js';
import { governedDatabases } from './governed-databases.js';
import { parseGrantLine, type GrantLine } from './show-grants.js';

/** What `check` needs to know about the connection. */
export interface CheckInput {
  readonly dialect: Dialect;
  /** Connection name: the first segment of every protect glob. */
  readonly connection: string;
  readonly options: ConnectionOptions;
  /** Data policies reach the connection: advise what secure views need (see `CheckOptions`). */
  readonly dataPolicies?: CheckOptions['dataPolicies'];
}

/** On each secure-view database: create it and its views (a role as definer), replace and drop them, grant SELECT on them. */
const VIEW_DB_PRIVILEGES = ['CREATE', 'CREATE VIEW', 'SHOW VIEW', 'DROP', 'SELECT'] as const;
/** On the system database: the same, and write the profile, salt and view-state rows. */
const SYSTEM_DB_PRIVILEGES = [...VIEW_DB_PRIVILEGES, 'INSERT', 'UPDATE', 'DELETE'] as const;
/** The global privilege that makes a role the definer of a view. */
const SET_DEFINER: Record<Dialect, string> = { mariadb: 'SET USER', mysql: 'SET_USER_ID' };

/** Privileges Steward grants on governed databases, so it must hold them WITH GRANT OPTION. */
const DATA_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

/**
 * The privilege tables the actual-state reader and the check read, with the columns where a
 * table holds secrets: `mysql.user` also holds password hashes, so only the columns read are
 * asked for. (MySQL 8 tells its roles from locked accounts by an empty authentication_string.)
 */
const PRIVILEGE_TABLES: Record<Dialect, readonly { readonly table: string; readonly columns?: readonly string[] }[]> = {
  mariadb: [
    { table: 'user', columns: ['User', 'Host', 'is_role', 'default_role'] },
    { table: 'roles_mapping' },
    { table: 'db' },
    { table: 'tables_priv' },
    { table: 'columns_priv' },
  ],
  mysql: [
    { table: 'user', columns: ['User', 'Host', 'account_locked', 'authentication_string'] },
    { table: 'role_edges' },
    { table: 'default_roles' },
    { table: 'db' },
    { table: 'tables_priv' },
    { table: 'columns_priv' },
  ],
};

/** Global privileges enforcement needs, per dialect, and why. */
const GLOBAL_NEEDS: Record<Dialect, readonly { readonly privilege: string; readonly detail: string }[]> = {
  mariadb: [
    {
      privilege: 'CREATE USER',
      detail:
        'create and drop Steward roles, create missing governed accounts locked; MariaDB asks for it to create a role, and it also lets the account alter, rename and drop any account',
    },
  ],
  mysql: [
    { privilege: 'CREATE USER', detail: 'create and drop roles, create locked accounts, set default roles; it also lets the account alter and drop any account' },
    { privilege: 'ROLE_ADMIN', detail: 'grant and revoke role memberships' },
  ],
};

/** Privileges on `*.*` that are needed (the others held there are reported as excess). */
const NEEDED_GLOBAL: Record<Dialect, ReadonlySet<string>> = {
  mariadb: new Set(['USAGE', 'SHOW DATABASES', 'REFERENCES', 'CREATE USER']),
  mysql: new Set(['USAGE', 'SHOW DATABASES', 'REFERENCES', 'CREATE USER', 'ROLE_ADMIN']),
};

/** What a privilege held on every database lets the account do, for the excess report. */
const GLOBAL_MEANING: Readonly<Record<string, string>> = {
  ALL: 'every privilege on every database: the account is an administrator of the server',
  SELECT: 'read every table of every database, the grant tables and password hashes included',
  INSERT: 'add rows to every table of every database, the grant tables included',
  UPDATE: 'change every table of every database, the grant tables included',
  DELETE: 'delete rows from every table of every database, the grant tables included',
  SUPER: 'administer the server (kill sessions, change global settings, act as any definer)',
  'SHOW VIEW': 'read every view definition (Steward does not need it)',
};

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

/** What the account holds, read from its SHOW GRANTS lines. */
class Held {
  constructor(private readonly lines: readonly GrantLine[]) {}

  /** On `*.*`. */
  global(privilege: string, grantable = false): boolean {
    return this.lines.some((l) => l.database === null && has(l, privilege) && (!grantable || l.grantable));
  }

  /** On every table of `db`: globally, or by a database-level pattern that reaches it. */
  database(privilege: string, db: string, grantable = false): boolean {
    return this.lines.some(
      (l) => l.table === null && (l.database === null || databasePatternMatches(l.database, db)) && has(l, privilege) && (!grantable || l.grantable),
    );
  }

  /** On the columns of a table (every column when `columns` is absent). */
  table(privilege: string, db: string, table: string, columns?: readonly string[]): boolean {
    if (this.database(privilege, db)) return true;
    return this.lines.some((l) => {
      if (l.database !== db || l.table !== table) return false;
      if (has(l, privilege)) return true;
      const cols = l.columns.get(privilege);
      return columns !== undefined && cols !== undefined && columns.every((c) => cols.has(c));
    });
  }
}

function has(l: GrantLine, privilege: string): boolean {
  return l.privileges.has(privilege) || l.privileges.has('ALL');
}

/**
 * Report what the system account can do, read from SHOW GRANTS: what object sync and
 * enforcement need, the exact least-privilege GRANT statements that would add what is missing
 * (database names escaped: in `ON db.*` a `_` or `%` is a wildcard), what it holds beyond that,
 * and what the needed privileges let it do.
 */
export async function check(query: QueryFn, input: CheckInput): Promise<CheckReport> {
  const { dialect } = input;
  const [identity, grantRows, dbRows] = await Promise.all([
    query({ sql: 'SELECT VERSION() AS version, CURRENT_USER() AS account', values: [] }),
    query({ sql: 'SHOW GRANTS', values: [] }),
    query({ sql: 'SHOW DATABASES', values: [] }),
  ]);
  const version = text(identity[0]?.version);
  const current = text(identity[0]?.account);
  const me = splitCurrentUser(current);
  const account = quoteAccount(me.user, me.host);
  const held = new Held(grantRows.map((r) => parseGrantLine(text(Object.values(r)[0]))).filter((l): l is GrantLine => l !== null));
  const visible = dbRows.map((r) => text(Object.values(r)[0])).filter((d) => !SYSTEM_DATABASES.includes(d));
  const configured = input.options.databases;
  const databases = configured === null ? visible : visible.filter((d) => configured.includes(d));
  const governed = governedDatabases(input.connection, input.options.protect, databases, configured);
  const onDb = (db: string): string => `${quoteIdent(escapeDatabasePattern(db))}.*`;
  const grantSql: string[] = [];

  // ── Object sync: list databases; read table and column names where Steward holds no data privilege.
  const sync: PrivilegeCheck[] = [];
  const showDatabases = held.global('SHOW DATABASES');
  sync.push({
    what: 'SHOW DATABASES on *.*',
    ok: showDatabases,
    detail: 'list every database by name; also shows which databases a foreign database-level grant reaches before Steward narrows it',
  });
  if (!showDatabases) grantSql.push(`GRANT SHOW DATABASES ON *.* TO ${account};`);
  // REFERENCES makes tables and columns visible in information_schema without any access to
  // their data (MariaDB does not use it otherwise; MySQL 8 checks it for foreign keys only).
  const metadataOn = configured === null ? null : databases.filter((d) => !governed.includes(d));
  if (metadataOn === null) {
    const ok = held.global('REFERENCES');
    sync.push({ what: 'REFERENCES on *.*', ok, detail: 'read table and column names of databases Steward does not govern; gives no access to data' });
    if (!ok) grantSql.push(`GRANT REFERENCES ON *.* TO ${account};`);
  } else {
    for (const db of metadataOn) {
      const ok = held.database('REFERENCES', db);
      sync.push({ what: `REFERENCES on ${onDb(db)}`, ok, detail: 'read its table and column names; gives no access to data' });
      if (!ok) grantSql.push(`GRANT REFERENCES ON ${onDb(db)} TO ${account};`);
    }
  }
  for (const db of configured ?? []) {
    if (!visible.includes(db)) sync.push({ what: `database ${db}`, ok: false, detail: 'configured in databases but not visible: it does not exist or the account cannot see it' });
  }

  // ── Enforcement.
  const enforcement: PrivilegeCheck[] = [serverCheck(dialect, version)];
  const missingGlobal: string[] = [];
  for (const need of GLOBAL_NEEDS[dialect]) {
    const ok = held.global(need.privilege);
    enforcement.push({ what: `${need.privilege} on *.*`, ok, detail: need.detail });
    if (!ok) missingGlobal.push(need.privilege);
  }
  if (missingGlobal.length > 0) grantSql.push(`GRANT ${missingGlobal.join(', ')} ON *.* TO ${account};`);
  for (const t of PRIVILEGE_TABLES[dialect]) {
    const ok = held.table('SELECT', 'mysql', t.table, t.columns);
    const cols = t.columns ? ` (${t.columns.map(quoteIdent).join(', ')})` : '';
    enforcement.push({
      what: `SELECT${cols} on mysql.${t.table}`,
      ok,
      detail: t.columns ? 'read accounts, roles and default roles, not password hashes' : 'read the grants and role memberships in scope (the actual state)',
    });
    if (!ok) grantSql.push(`GRANT SELECT${cols} ON ${quoteIdent('mysql')}.${quoteIdent(t.table)} TO ${account};`);
  }
  if (dialect === 'mariadb') {
    // MariaDB's SET DEFAULT ROLE … FOR another account checks UPDATE on the mysql database
    // itself (check_alter_user → check_access(UPDATE_ACL, "mysql")): a table-level grant on
    // mysql.global_priv or mysql.user is not enough, and CREATE USER does not do (verified on
    // 10.11: error 1044). Nothing narrower exists; say what it allows.
    const ok = held.database('UPDATE', 'mysql');
    enforcement.push({
      what: 'UPDATE on `mysql`.*',
      ok,
      detail: 'SET DEFAULT ROLE … FOR a governed account; it also lets the account edit the grant tables directly (in effect at the next FLUSH PRIVILEGES or restart)',
    });
    if (!ok) grantSql.push(`GRANT UPDATE ON ${quoteIdent('mysql')}.* TO ${account};`);
    // MariaDB grants a role only with its ADMIN OPTION (CREATE USER is not enough): roles Steward
    // created have it, roles someone else created under the prefix need it given.
    const orphans = await rolesWithoutAdmin(query, input.options.rolePrefix, me);
    if (orphans !== null) {
      enforcement.push({
        what: `ADMIN OPTION on existing ${input.options.rolePrefix}* roles`,
        ok: orphans.length === 0,
        detail: `grant roles made under the prefix by someone else (MariaDB grants a role only with its ADMIN OPTION)${orphans.length > 0 ? `; missing on: ${orphans.join(', ')}` : ''}`,
      });
      for (const role of orphans) grantSql.push(`GRANT ${quoteString(role)} TO ${account} WITH ADMIN OPTION;`);
    }
  }
  for (const db of governed) {
    const missing = DATA_PRIVILEGES.filter((p) => !held.database(p, db, true));
    enforcement.push({
      what: `${DATA_PRIVILEGES.join(', ')} on ${onDb(db)} WITH GRANT OPTION`,
      ok: missing.length === 0,
      detail: `grant and revoke access to ${db} (a governed database)${missing.length > 0 ? `; missing: ${missing.join(', ')}` : ''}`,
    });
    if (missing.length > 0) grantSql.push(`GRANT ${missing.join(', ')} ON ${onDb(db)} TO ${account} WITH GRANT OPTION;`);
  }

  // ── Data policies: secure views in `<database>_secure` databases and Steward's system database.
  const viewDbs = new Map<string, readonly string[]>();
  const needs = input.dataPolicies;
  if (needs !== undefined) {
    const locations = secureLocations(input.connection, input.options, ['database', 'table']);
    const bases = needs.bases === null ? governed : [...new Set(needs.bases.map((b) => b[0]!))].sort();
    for (const db of bases) viewDbs.set(locations.viewOf([db, ''])[0]!, VIEW_DB_PRIVILEGES);
    if (bases.length > 0) viewDbs.set(locations.systemOf([])[0]!, SYSTEM_DB_PRIVILEGES);
    const setDefiner = SET_DEFINER[dialect];
    const ok = held.global(setDefiner) || held.global('SUPER');
    enforcement.push({
      what: `${setDefiner} on *.*`,
      ok,
      detail: `data policies: make Steward's view role the definer of the secure views (a global privilege: it lets the account name any account as the definer of a view or routine it may create)${dialect === 'mysql' ? '; MySQL 8.2 and later name it SET_ANY_DEFINER' : ''}`,
    });
    if (!ok && bases.length > 0) grantSql.push(`GRANT ${setDefiner} ON *.* TO ${account};`);
    for (const [db, privileges] of viewDbs) {
      const missing = privileges.filter((p) => !held.database(p, db, true));
      const system = privileges === SYSTEM_DB_PRIVILEGES;
      enforcement.push({
        what: `${privileges.join(', ')} on ${onDb(db)} WITH GRANT OPTION`,
        ok: missing.length === 0,
        detail: `data policies: ${system ? "Steward's system database (profile rows, hash salts, view records)" : 'a secure-view database'}${missing.length > 0 ? `; missing: ${missing.join(', ')}` : ''}`,
      });
      // The grant option is per database in MySQL: one statement, what is missing.
      if (missing.length > 0) grantSql.push(`GRANT ${missing.join(', ')} ON ${onDb(db)} TO ${account} WITH GRANT OPTION;`);
    }
  }

  return {
    serverVersion: version,
    user: current,
    databases,
    sync,
    enforcement,
    grantSql,
    excess: excessOf(grantRows.map((r) => text(Object.values(r)[0])), dialect, governed, viewDbs, needs !== undefined ? SET_DEFINER[dialect] : null),
    notes: [...notesOn(dialect, governed), secureViewNote(dialect, needs !== undefined, [...viewDbs.keys()])],
  };
}

function secureViewNote(dialect: Dialect, used: boolean, dbs: readonly string[]): string {
  const what = `${VIEW_DB_PRIVILEGES.join(', ')} WITH GRANT OPTION on each secure-view database, the same and INSERT, UPDATE, DELETE on Steward's system database, and ${SET_DEFINER[dialect]} on *.* (to make its view role the definer of the views)`;
  if (!used) return `Data policies (masks, row filters) are enforced with secure views, which need ${what}; check advises them once the configuration has a mask or row filter reaching this connection.`;
  return `Data policies: secure views need ${what} — here ${dbs.join(', ') || 'no database yet'}. The account can read every table there and, with ${SET_DEFINER[dialect]}, create views running as any account it names.`;
}

/**
 * What the account holds beyond what Steward needs, line by line of SHOW GRANTS, with what it
 * allows: global privileges other than the needed ones, database-level grants outside the
 * governed databases (a wildcard pattern reaching others included), other privileges on the
 * grant tables.
 */
function excessOf(
  lines: readonly string[],
  dialect: Dialect,
  governed: readonly string[],
  viewDbs: ReadonlyMap<string, readonly string[]>,
  setDefiner: string | null,
): PrivilegeCheck[] {
  const out: PrivilegeCheck[] = [];
  const neededGlobal = setDefiner === null ? NEEDED_GLOBAL[dialect] : new Set([...NEEDED_GLOBAL[dialect], setDefiner]);
  for (const raw of lines) {
    const l = parseGrantLine(raw);
    if (l === null) continue;
    if (l.database === null) {
      const extra = [...l.privileges].filter((p) => !neededGlobal.has(p));
      for (const p of extra) out.push({ what: `${p === 'ALL' ? 'ALL PRIVILEGES' : p} on *.*`, ok: false, detail: GLOBAL_MEANING[p] ?? 'not needed by Steward' });
      if (l.grantable) out.push({ what: 'GRANT OPTION on *.*', ok: false, detail: 'grant its global privileges to anyone' });
      continue;
    }
    if (l.table === null) {
      if (l.database === 'mysql') {
        const extra = [...l.privileges].filter((p) => !(dialect === 'mariadb' && p === 'UPDATE'));
        if (extra.length > 0) out.push({ what: `${extra.join(', ')} on \`mysql\`.*`, ok: false, detail: 'read or change the grant tables (password hashes included); not needed' });
        continue;
      }
      const exact = exactDatabaseOf(l.database);
      const viewNeeds = exact === null ? undefined : viewDbs.get(exact);
      if (viewNeeds !== undefined) {
        const extra = [...l.privileges].filter((p) => !viewNeeds.includes(p));
        if (extra.length > 0) out.push({ what: `${extra.join(', ')} on ${quoteIdent(l.database)}.*`, ok: false, detail: `more than secure views need in ${exact}` });
        continue;
      }
      if (exact !== null && governed.includes(exact)) {
        const extra = [...l.privileges].filter((p) => !(DATA_PRIVILEGES as readonly string[]).includes(p));
        if (extra.length > 0) out.push({ what: `${extra.join(', ')} on ${quoteIdent(l.database)}.*`, ok: false, detail: `more than Steward grants in ${exact}` });
        continue;
      }
      const reaches = exact === null ? 'a pattern (`_` and `%` are wildcards): it reaches every database named like it, not only governed ones' : `${exact} is not governed`;
      out.push({ what: `${[...l.privileges].join(', ')} on ${quoteIdent(l.database)}.*`, ok: false, detail: reaches });
      continue;
    }
    if (l.database === 'mysql') {
      const need = PRIVILEGE_TABLES[dialect].find((t) => t.table === l.table);
      const extra = [...l.privileges].filter((p) => p !== 'SELECT' || need === undefined || need.columns !== undefined);
      if (extra.length > 0) {
        out.push({ what: `${extra.join(', ')} on mysql.${l.table}`, ok: false, detail: need?.columns ? 'every column of mysql.user, password hashes included' : 'not needed by Steward' });
      }
    }
  }
  return out;
}

function notesOn(dialect: Dialect, governed: readonly string[]): string[] {
  const notes = [
    governed.length > 0
      ? `To grant access there, the account holds SELECT, INSERT, UPDATE, DELETE WITH GRANT OPTION on every governed database (${governed.join(', ')}): it can read and change all of their data. Protect fewer databases to narrow this.`
      : 'No database is governed yet: the account needs no data privilege.',
    'CREATE USER lets the account create, alter, rename and drop any account: the server asks for it to create roles.',
  ];
  if (dialect === 'mariadb') {
    notes.push(
      'UPDATE on `mysql`.* is what MariaDB asks for to set another account\'s default role; it also lets the account rewrite the grant tables, in effect at the next FLUSH PRIVILEGES or restart. Treat the account as an administrator of accounts and keep its credentials accordingly.',
    );
  }
  notes.push(
    'A foreign database-level grant stored as a wildcard pattern (e.g. GRANT … ON my_db.*, which also reaches myXdb) can only be revoked by an account holding those privileges on the same pattern or on *.*: Steward reports such revocations as blocked with the statement for an administrator.',
  );
  return notes;
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
