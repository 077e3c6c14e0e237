import type { Dialect } from './dialect.js';
import { placeholders, type SqlQuery } from './query.js';

/*
 * Reads of the privilege tables, one query per kind. Filters go into the WHERE clause as bind
 * values; the role prefix is compared with LEFT(…) = ? rather than LIKE because `_`, the usual
 * separator in a prefix, is a LIKE wildcard. The privilege tables compare names in binary, as
 * the server does when it checks access.
 */

/** Roles whose name starts with the prefix. MySQL 8 roles are locked accounts without a password. */
export function rolesQuery(dialect: Dialect, prefix: string): SqlQuery {
  if (dialect === 'mariadb') {
    return { sql: "SELECT User AS name FROM mysql.user WHERE is_role = 'Y' AND LEFT(User, CHAR_LENGTH(?)) = ?", values: [prefix, prefix] };
  }
  return {
    sql:
      "SELECT User AS name FROM mysql.user WHERE Host = '%' AND account_locked = 'Y' AND authentication_string = '' " +
      'AND LEFT(User, CHAR_LENGTH(?)) = ?',
    values: [prefix, prefix],
  };
}

/**
 * Principals that exist at the host pattern, with their default role ('' or NULL: none).
 * MySQL 8 keeps default roles in their own table and allows several: one row each.
 */
export function principalsQuery(dialect: Dialect, host: string, names: readonly string[]): SqlQuery {
  if (dialect === 'mariadb') {
    return {
      sql: `SELECT User AS name, default_role AS role, '' AS role_host FROM mysql.user WHERE is_role = 'N' AND Host = ? AND User IN (${placeholders(names.length)})`,
      values: [host, ...names],
    };
  }
  return {
    sql:
      'SELECT u.User AS name, d.DEFAULT_ROLE_USER AS role, d.DEFAULT_ROLE_HOST AS role_host FROM mysql.user u ' +
      'LEFT JOIN mysql.default_roles d ON d.USER = u.User AND d.HOST = u.Host ' +
      `WHERE u.Host = ? AND u.User IN (${placeholders(names.length)})`,
    values: [host, ...names],
  };
}

/** Members of prefix roles: users and roles, with the admin flag (MariaDB: roles_mapping; MySQL 8: role_edges). */
export function membershipsQuery(dialect: Dialect, prefix: string): SqlQuery {
  if (dialect === 'mariadb') {
    return {
      sql:
        'SELECT Role AS role, User AS user, Host AS host, Admin_option AS admin FROM mysql.roles_mapping ' +
        'WHERE LEFT(Role, CHAR_LENGTH(?)) = ?',
      values: [prefix, prefix],
    };
  }
  return {
    sql:
      'SELECT FROM_USER AS role, TO_USER AS user, TO_HOST AS host, WITH_ADMIN_OPTION AS admin FROM mysql.role_edges ' +
      "WHERE FROM_HOST = '%' AND LEFT(FROM_USER, CHAR_LENGTH(?)) = ?",
    values: [prefix, prefix],
  };
}

/**
 * Rows of a per-object privilege table in scope, in one pass: every row in the databases of
 * the protected tables (the exact tables are picked in JS from a Set, which keeps the bind list
 * as short as the number of databases), and Steward roles' rows anywhere.
 */
function inScopeRows(select: string, table: string, databases: readonly string[], prefix: string): SqlQuery {
  const inDatabases = databases.length > 0 ? `Db IN (${placeholders(databases.length)}) OR ` : '';
  return { sql: `SELECT ${select} FROM mysql.${table} WHERE ${inDatabases}LEFT(User, CHAR_LENGTH(?)) = ?`, values: [...databases, prefix, prefix] };
}

/** Table-level grants in scope. */
export function tableGrantsQuery(databases: readonly string[], prefix: string): SqlQuery {
  return inScopeRows('Db AS db, Table_name AS tbl, User AS user, Host AS host, Table_priv AS privs', 'tables_priv', databases, prefix);
}

/**
 * Database-level grants of the data privileges, every grantee (same table on both dialects).
 * `Db` is the stored LIKE pattern, so rows cannot be picked by the databases in scope in SQL:
 * which ones reach a protected database is decided in JS (`mysql.db` is small).
 */
export function databaseGrantsQuery(): SqlQuery {
  return {
    sql:
      'SELECT Db AS db, User AS user, Host AS host, Select_priv AS s, Insert_priv AS i, Update_priv AS u, Delete_priv AS d FROM mysql.db ' +
      "WHERE Select_priv = 'Y' OR Insert_priv = 'Y' OR Update_priv = 'Y' OR Delete_priv = 'Y'",
    values: [],
  };
}

/** Column grants in scope. */
export function columnGrantsQuery(databases: readonly string[], prefix: string): SqlQuery {
  return inScopeRows('Db AS db, Table_name AS tbl, Column_name AS col, User AS user, Host AS host, Column_priv AS privs', 'columns_priv', databases, prefix);
}

/** Every database of the server (SHOW DATABASES privilege): what a wildcard grant may reach. */
export function serverDatabasesQuery(): SqlQuery {
  return { sql: "SELECT SCHEMA_NAME AS db FROM information_schema.SCHEMATA WHERE SCHEMA_NAME <> 'information_schema'", values: [] };
}

/** The relations of one database. */
export function databaseTablesQuery(db: string): SqlQuery {
  return { sql: 'SELECT TABLE_NAME AS tbl FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', values: [db] };
}
