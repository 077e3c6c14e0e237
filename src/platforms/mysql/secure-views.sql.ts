/**
 * Catalog reads of Steward's secure views on MySQL/MariaDB. A view's *rendered digest* hashes
 * what the server keeps of it: its definition as the server re-rendered it (names fully
 * qualified), its definer and security type, and its algorithm (MariaDB lists it; MySQL 8 does
 * not, but a TEMPTABLE view is never updatable, so `IS_UPDATABLE` stands in). Any hand edit
 * (CREATE OR REPLACE, ALTER VIEW, DROP) changes it.
 */
import type { Dialect } from './dialect.js';
import { quoteIdent } from './quote.js';
import type { SqlQuery } from './query.js';

/** A scalar subquery giving the rendered digest of view `db`.`name` (SQL expressions, e.g. `?`), or NULL. */
export function renderedDigestSql(dialect: Dialect, db: string, name: string): string {
  const algorithm = dialect === 'mariadb' ? 'v.ALGORITHM' : 'v.IS_UPDATABLE';
  return `SELECT SHA2(CONCAT_WS('\\n', v.VIEW_DEFINITION, v.DEFINER, v.SECURITY_TYPE, ${algorithm}), 256) FROM information_schema.VIEWS AS v WHERE v.TABLE_SCHEMA = ${db} AND v.TABLE_NAME = ${name}`;
}

export const secureViewSql = {
  /** Which of the given databases exist. */
  databases(names: readonly string[]): SqlQuery {
    return { sql: `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (${names.map(() => '?').join(', ')})`, values: [...names] };
  },

  /** How many of Steward's four objects a system database holds (4: ready). */
  systemObjects(db: string): SqlQuery {
    return {
      sql: "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN ('profile', 'salt', 'views', 'user_profile')",
      values: [db],
    };
  },

  views(dialect: Dialect, db: string): SqlQuery {
    return {
      sql: `SELECT r.db_name, r.view_name, r.desired, r.rendered AS recorded, (${renderedDigestSql(dialect, 'r.db_name', 'r.view_name')}) AS rendered FROM ${quoteIdent(db)}.${quoteIdent('views')} AS r`,
      values: [],
    };
  },

  profile(db: string): SqlQuery {
    return { sql: `SELECT principal, kind, name, value FROM ${quoteIdent(db)}.${quoteIdent('profile')}`, values: [] };
  },

  salts(db: string): SqlQuery {
    return { sql: `SELECT name, value FROM ${quoteIdent(db)}.${quoteIdent('salt')}`, values: [] };
  },

  /** Check a regular expression with the server's own engine (bound, never interpolated). */
  regexCheck(pattern: string): SqlQuery {
    return { sql: "SELECT REGEXP_REPLACE('', ?, '') AS ok", values: [pattern] };
  },
};
