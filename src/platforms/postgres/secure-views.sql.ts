/**
 * Catalog reads of Steward's secure views on PostgreSQL. A view's *rendered digest* hashes the
 * server's stored form of it — the `_RETURN` rule's parse tree (`pg_rewrite.ev_action`), its
 * options (`security_barrier`) and its owner — rather than `pg_get_viewdef`, whose text depends
 * on the reader's `search_path`. Any hand edit (CREATE OR REPLACE, ALTER VIEW SET, OWNER TO,
 * DROP) changes it.
 */
import { quoteIdent } from './quote.js';
import type { SqlQuery } from './catalog.sql.js';

/**
 * A scalar subquery giving the rendered digest of the view `schema`.`name` (SQL expressions
 * of type text, e.g. bind parameters), or NULL when there is no such view.
 */
export function renderedDigestSql(schema: string, name: string): string {
  return `SELECT encode(sha256(convert_to(concat_ws(E'\\n', r.ev_action::text, array_to_string(c.reloptions, ','), c.relowner::regrole::text), 'UTF8')), 'hex')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN'
WHERE n.nspname = ${schema}::text AND c.relname = ${name}::text AND c.relkind = 'v'`;
}

export interface ViewStateRow {
  readonly schema_name: string;
  readonly view_name: string;
  readonly desired: string;
  readonly recorded: string | null;
  readonly rendered: string | null;
}

export interface ProfileRowRaw {
  readonly principal: string;
  readonly kind: string;
  readonly name: string;
  readonly value: string;
}

export const secureViewSql = {
  /** Which of the given schemas exist in the current database. */
  schemas(names: readonly string[]): SqlQuery {
    return { text: 'SELECT nspname::text AS name FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[])', values: [names] };
  },

  /** Whether the system schema holds Steward's tables (all created by one setup). */
  systemReady(schema: string): SqlQuery {
    return {
      text: `SELECT to_regclass(format('%I.%I', $1::text, 'views')) IS NOT NULL AND to_regclass(format('%I.%I', $1::text, 'user_profile')) IS NOT NULL
  AND to_regclass(format('%I.%I', $1::text, 'profile')) IS NOT NULL AND to_regclass(format('%I.%I', $1::text, 'salt')) IS NOT NULL AS ready`,
      values: [schema],
    };
  },

  /** Recorded digests of every view Steward built in this database, with the rendered digest now. */
  views(schema: string): SqlQuery {
    const s = quoteIdent(schema);
    return {
      text: `SELECT v.schema_name, v.view_name, v.desired, v.rendered AS recorded, (${renderedDigestSql('v.schema_name', 'v.view_name')}) AS rendered
FROM ${s}.${quoteIdent('views')} v`,
      values: [],
    };
  },

  profile(schema: string): SqlQuery {
    return { text: `SELECT principal, kind, name, value FROM ${quoteIdent(schema)}.${quoteIdent('profile')}`, values: [] };
  },

  salts(schema: string): SqlQuery {
    return { text: `SELECT name, value FROM ${quoteIdent(schema)}.${quoteIdent('salt')}`, values: [] };
  },

  /** Check a regular expression with the server's own engine (bound, never interpolated). */
  regexCheck(): SqlQuery {
    return { text: `SELECT regexp_replace('', $1::text, '', 'g') AS ok`, values: [] };
  },
};
