import type { ProfileRow, SaltRow, SecureViewSpec } from '../../domain/secure-view.js';
import { chunked, definitionDigest, type ParamStatement, type SecureViewDialect } from '../secure-view-dialect.js';
import { quoteIdent } from './quote.js';
import { viewBody } from './secure-view-sql.js';
import { renderedDigestSql } from './secure-views.sql.js';

const qualified = (schema: string, name: string): string => `${quoteIdent(schema)}.${quoteIdent(name)}`;

/**
 * The CREATE statement of a secure view: `security_barrier`, so that a caller's own functions
 * and operators in WHERE are never run on rows the view's filter removes, nor see unmasked
 * values.
 */
function viewDefinition(spec: SecureViewSpec): string {
  return `CREATE VIEW ${qualified(spec.view[1]!, spec.view[2]!)} WITH (security_barrier) AS\n${viewBody(spec)}`;
}

/**
 * PostgreSQL secure views. A rebuild drops and creates the view in one transaction rather than
 * `CREATE OR REPLACE`, which cannot change a column's type (a new mask may) or drop a column
 * (the base table lost one); the view's grants are given again in the same statements. The
 * digests are recorded in `<system>.views` right after creation, from the server's own stored
 * form of the view (see `renderedDigestSql`).
 */
export const postgresSecureViews: SecureViewDialect = {
  viewDefinition: (spec) => viewDefinition(spec),

  buildView(spec, owner, readers) {
    const db = spec.view[0]!;
    const name = qualified(spec.view[1]!, spec.view[2]!);
    const create = viewDefinition(spec);
    const out: ParamStatement[] = [
      { sql: `DROP VIEW IF EXISTS ${name}`, params: null, database: db },
      { sql: create, params: null, database: db },
      { sql: `ALTER VIEW ${name} OWNER TO ${quoteIdent(owner)}`, params: null, database: db },
    ];
    if (readers.length > 0) out.push({ sql: `GRANT SELECT ON TABLE ${name} TO ${readers.map(quoteIdent).join(', ')}`, params: null, database: db });
    out.push({
      sql:
        `INSERT INTO ${qualified(spec.system[1]!, 'views')} (schema_name, view_name, desired, rendered) ` +
        `SELECT $1, $2, $3, (${renderedDigestSql('$1', '$2')}) ` +
        'ON CONFLICT (schema_name, view_name) DO UPDATE SET desired = EXCLUDED.desired, rendered = EXCLUDED.rendered',
      params: [spec.view[1]!, spec.view[2]!, definitionDigest(create)],
      database: db,
    });
    return out;
  },

  dropView(view, system) {
    const db = view[0]!;
    const out: ParamStatement[] = [{ sql: `DROP VIEW IF EXISTS ${qualified(view[1]!, view[2]!)}`, params: null, database: db }];
    if (system !== null) out.push({ sql: `DELETE FROM ${qualified(system[1]!, 'views')} WHERE schema_name = $1 AND view_name = $2`, params: [view[1]!, view[2]!], database: db });
    return out;
  },

  // RESTRICT (the default): a schema that holds anything by then is not dropped, and the teardown says so.
  dropContainer: (container) => [{ sql: `DROP SCHEMA IF EXISTS ${quoteIdent(container[1]!)}`, params: null, database: container[0]! }],

  dropSystem(system) {
    const [db, schema] = system as [string, string];
    const s = quoteIdent(schema);
    return [
      { sql: `DROP VIEW IF EXISTS ${s}.${quoteIdent('user_profile')}`, params: null, database: db },
      { sql: `DROP TABLE IF EXISTS ${['profile', 'salt', 'views'].map((t) => `${s}.${quoteIdent(t)}`).join(', ')}`, params: null, database: db },
      { sql: `DROP SCHEMA IF EXISTS ${s}`, params: null, database: db },
    ];
  },

  setupSystem(system, owner) {
    const [db, schema] = system as [string, string];
    const s = quoteIdent(schema);
    const o = quoteIdent(owner);
    const stmt = (sql: string): ParamStatement => ({ sql, params: null, database: db });
    return [
      // The system account acts as the owner role to create and replace what it owns.
      stmt(`GRANT ${o} TO CURRENT_USER`),
      stmt(`CREATE SCHEMA IF NOT EXISTS ${s} AUTHORIZATION ${o}`),
      stmt(
        `CREATE TABLE IF NOT EXISTS ${s}.${quoteIdent('profile')} (principal text NOT NULL, kind text NOT NULL, name text NOT NULL, value text NOT NULL, ` +
          'PRIMARY KEY (principal, kind, name, value))',
      ),
      stmt(`CREATE TABLE IF NOT EXISTS ${s}.${quoteIdent('salt')} (name text PRIMARY KEY, value text NOT NULL)`),
      stmt(
        `CREATE TABLE IF NOT EXISTS ${s}.${quoteIdent('views')} (schema_name text NOT NULL, view_name text NOT NULL, desired text NOT NULL, rendered text, ` +
          'PRIMARY KEY (schema_name, view_name))',
      ),
      // Only the asking login's rows; session_user, not current_user, so that SET ROLE to a
      // role one is a member of does not change whose profile applies.
      stmt(
        `CREATE OR REPLACE VIEW ${s}.${quoteIdent('user_profile')} WITH (security_barrier) AS ` +
          `SELECT p.kind, p.name, p.value FROM ${s}.${quoteIdent('profile')} AS p WHERE p.principal = session_user`,
      ),
      ...['profile', 'salt', 'views', 'user_profile'].map((t) => stmt(`ALTER TABLE ${s}.${quoteIdent(t)} OWNER TO ${o}`)),
    ];
  },

  setupContainer(container, owner) {
    return [{ sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(container[1]!)} AUTHORIZATION ${quoteIdent(owner)}`, params: null, database: container[0]! }];
  },

  // The owner role owns the system schema and everything in it.
  ownerReads: () => [],

  insertProfile: (system, rows) => rowStatements(system, rows, 'insert'),
  deleteProfile: (system, rows) => rowStatements(system, rows, 'delete'),

  putSalts(system, rows: readonly SaltRow[]) {
    return chunked(rows).map((chunk) => ({
      sql:
        `INSERT INTO ${qualified(system[1]!, 'salt')} (name, value) SELECT * FROM unnest($1::text[], $2::text[]) ` +
        'ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value',
      params: [chunk.map((r) => r.name), chunk.map((r) => r.value)],
      database: system[0]!,
      secret: true,
    }));
  },

  deleteSalts(system, names) {
    return chunked(names).map((chunk) => ({
      sql: `DELETE FROM ${qualified(system[1]!, 'salt')} WHERE name = ANY($1::text[])`,
      params: [chunk],
      database: system[0]!,
    }));
  },
};

/** Profile rows in and out in bulk: four parallel arrays, bound. */
function rowStatements(system: readonly string[], rows: readonly ProfileRow[], kind: 'insert' | 'delete'): ParamStatement[] {
  const table = qualified(system[1]!, 'profile');
  return chunked(rows).map((chunk) => ({
    sql:
      kind === 'insert'
        ? `INSERT INTO ${table} (principal, kind, name, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`
        : `DELETE FROM ${table} WHERE (principal, kind, name, value) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]))`,
    params: [chunk.map((r) => r.principal), chunk.map((r) => r.kind), chunk.map((r) => r.name), chunk.map((r) => r.value)],
    database: system[0]!,
  }));
}

