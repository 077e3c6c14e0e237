import type { Dialect } from './dialect.js';
import { placeholders, type SqlQuery, type SqlValue } from './query.js';

/** Databases that belong to the server, never to users. */
export const SYSTEM_DATABASES: readonly string[] = ['mysql', 'information_schema', 'performance_schema', 'sys'];

/** Which part of the catalog one introspection reads. */
export interface CatalogFilter {
  /** Databases to read; null: all but the system ones. */
  readonly databases: readonly string[] | null;
  /** One table only (with `databases` holding its database). */
  readonly table: string | null;
}

/**
 * `WHERE` over a schema-name column: system databases out, then the allow-list. Filters go into
 * the query (not into JS) so information_schema opens only the databases asked for.
 */
function schemaWhere(column: string, filter: CatalogFilter, tableColumn: string | null): SqlQuery {
  const parts = [`${column} NOT IN (${placeholders(SYSTEM_DATABASES.length)})`];
  const values: SqlValue[] = [...SYSTEM_DATABASES];
  if (filter.databases !== null) {
    // An empty allow-list must match nothing; `IN ()` is a syntax error.
    if (filter.databases.length === 0) parts.push('1 = 0');
    else {
      parts.push(`${column} IN (${placeholders(filter.databases.length)})`);
      values.push(...filter.databases);
    }
  }
  if (filter.table !== null && tableColumn !== null) {
    parts.push(`${tableColumn} = ?`);
    values.push(filter.table);
  }
  return { sql: parts.join(' AND '), values };
}

/** Databases; MariaDB 10.5+ has SCHEMA_COMMENT, MySQL 8 has no database comments. */
export function schemataQuery(dialect: Dialect, filter: CatalogFilter): SqlQuery {
  const where = schemaWhere('SCHEMA_NAME', filter, null);
  const comment = dialect === 'mariadb' ? 'SCHEMA_COMMENT' : 'NULL';
  return {
    sql: `SELECT SCHEMA_NAME AS db, ${comment} AS comment FROM information_schema.SCHEMATA WHERE ${where.sql}`,
    values: where.values,
  };
}

/** Tables and views with their comments (`TABLE_TYPE` tells which). */
export function tablesQuery(filter: CatalogFilter): SqlQuery {
  const where = schemaWhere('TABLE_SCHEMA', filter, 'TABLE_NAME');
  return {
    sql:
      'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_COMMENT AS comment ' +
      `FROM information_schema.TABLES WHERE ${where.sql}`,
    values: where.values,
  };
}

/** Every column of the tables above, in one query; grouped by table in JS. */
export function columnsQuery(filter: CatalogFilter): SqlQuery {
  const where = schemaWhere('TABLE_SCHEMA', filter, 'TABLE_NAME');
  return {
    sql:
      'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS name, COLUMN_TYPE AS type, ' +
      'IS_NULLABLE AS nullable, ORDINAL_POSITION AS position, COLUMN_COMMENT AS comment ' +
      `FROM information_schema.COLUMNS WHERE ${where.sql}`,
    values: where.values,
  };
}
