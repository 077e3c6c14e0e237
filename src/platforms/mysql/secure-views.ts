import { StewardError } from '../../domain/errors.js';
import type { ProfileRow, SecureViewSpec } from '../../domain/secure-view.js';
import { chunked, definitionDigest, type ParamStatement, type SecureViewDialect } from '../secure-view-dialect.js';
import { traitsOf, type Dialect } from './dialect.js';
import { quoteAccount, quoteIdent, quoteString } from './quote.js';
import { placeholders } from './query.js';
import { viewBody } from './secure-view-sql.js';
import { renderedDigestSql } from './secure-views.sql.js';

/** Column sizes of the profile table (utf8mb4, the primary key within InnoDB's 3,072 bytes). */
export const PROFILE_LIMITS = { principal: 128, kind: 16, name: 128, value: 255 } as const;

const qualified = (db: string, name: string): string => `${quoteIdent(db)}.${quoteIdent(name)}`;

/** The login part of `SESSION_USER()` (`user@host`): everything before the last `@`. */
const SESSION_LOGIN = "LEFT(SESSION_USER(), CHAR_LENGTH(SESSION_USER()) - CHAR_LENGTH(SUBSTRING_INDEX(SESSION_USER(), '@', -1)) - 1)";

/**
 * MySQL/MariaDB secure views: `SQL SECURITY DEFINER` views run with the privileges of the
 * Steward owner role (their definer), filtered on the caller's `SESSION_USER()`, and built
 * `ALGORITHM = TEMPTABLE`. A MERGE view folds the caller's WHERE into its own, and the server
 * may then run a caller's function on rows the filter removes (a stored function can write what
 * it sees to a table, or raise it in an error): materializing the view first runs the filter
 * before anything of the caller's. The cost is a temporary table per query.
 */
export function mysqlSecureViews(dialect: Dialect): SecureViewDialect {
  const traits = traitsOf(dialect);
  // A role by name: MariaDB roles have no host; MySQL 8 roles are accounts at '%'.
  const role = (name: string): string => (traits.roleHost === '' ? quoteString(name) : quoteAccount(name, traits.roleHost));
  const viewDefinition = (spec: SecureViewSpec, owner: string): string =>
    `CREATE OR REPLACE ALGORITHM = TEMPTABLE DEFINER = ${role(owner)} SQL SECURITY DEFINER VIEW ${qualified(spec.view[0]!, spec.view[1]!)} AS\n${viewBody(spec, dialect)}`;
  const stmt = (sql: string, params: readonly unknown[] | null = null): ParamStatement => ({ sql, params, database: null });

  return {
    viewDefinition,

    buildView(spec, owner, readers) {
      const [db, name] = spec.view as [string, string];
      const create = viewDefinition(spec, owner);
      // CREATE OR REPLACE keeps the grants on the view (MySQL keeps them by name), so readers
      // are granted again only to cover a view that was dropped by hand.
      const out = [stmt(create)];
      if (readers.length > 0) out.push(stmt(`GRANT SELECT ON ${qualified(db, name)} TO ${readers.map(role).join(', ')}`));
      out.push(
        stmt(
          `INSERT INTO ${qualified(spec.system[0]!, 'views')} (db_name, view_name, desired, rendered) SELECT ?, ?, ?, (${renderedDigestSql(dialect, '?', '?')}) ` +
            'ON DUPLICATE KEY UPDATE desired = VALUES(desired), rendered = VALUES(rendered)',
          [db, name, definitionDigest(create), db, name],
        ),
      );
      return out;
    },

    dropView(view, system) {
      const out = [stmt(`DROP VIEW IF EXISTS ${qualified(view[0]!, view[1]!)}`)];
      if (system !== null) out.push(stmt(`DELETE FROM ${qualified(system[0]!, 'views')} WHERE db_name = ? AND view_name = ?`, [view[0]!, view[1]!]));
      return out;
    },

    // MySQL has no DROP DATABASE … RESTRICT: the teardown plans this only for a database it found
    // holding nothing but Steward's views (dropped just before), under the connection's lock.
    dropContainer: (container) => [stmt(`DROP DATABASE IF EXISTS ${quoteIdent(container[0]!)}`)],

    dropSystem(system) {
      const db = quoteIdent(system[0]!);
      return [
        stmt(`DROP VIEW IF EXISTS ${db}.${quoteIdent('user_profile')}`),
        stmt(`DROP TABLE IF EXISTS ${['profile', 'salt', 'views'].map((t) => `${db}.${quoteIdent(t)}`).join(', ')}`),
        stmt(`DROP DATABASE IF EXISTS ${db}`),
      ];
    },

    setupSystem(system, owner) {
      const db = quoteIdent(system[0]!);
      const L = PROFILE_LIMITS;
      const table = (name: string, body: string): ParamStatement =>
        stmt(`CREATE TABLE IF NOT EXISTS ${db}.${quoteIdent(name)} (${body}) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`);
      return [
        stmt(`CREATE DATABASE IF NOT EXISTS ${db} DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`),
        table(
          'profile',
          `principal VARCHAR(${L.principal}) NOT NULL, kind VARCHAR(${L.kind}) NOT NULL, name VARCHAR(${L.name}) NOT NULL, value VARCHAR(${L.value}) NOT NULL, ` +
            'PRIMARY KEY (principal, kind, name, value)',
        ),
        table('salt', 'name VARCHAR(255) NOT NULL PRIMARY KEY, value VARCHAR(1024) NOT NULL'),
        table('views', 'db_name VARCHAR(64) NOT NULL, view_name VARCHAR(64) NOT NULL, desired CHAR(64) NOT NULL, rendered CHAR(64), PRIMARY KEY (db_name, view_name)'),
        // Only the caller's rows: SESSION_USER() is the login, also inside a definer's view.
        stmt(
          `CREATE OR REPLACE ALGORITHM = MERGE DEFINER = ${role(owner)} SQL SECURITY DEFINER VIEW ${db}.${quoteIdent('user_profile')} AS ` +
            `SELECT p.kind, p.name, p.value FROM ${db}.${quoteIdent('profile')} AS p WHERE p.principal = ${SESSION_LOGIN}`,
        ),
        stmt(`GRANT SELECT ON ${db}.${quoteIdent('profile')} TO ${role(owner)}`),
        stmt(`GRANT SELECT ON ${db}.${quoteIdent('salt')} TO ${role(owner)}`),
        stmt(`GRANT SELECT ON ${db}.${quoteIdent('user_profile')} TO ${role(owner)}`),
      ];
    },

    // No owners on MySQL: the definer role reads the profile through grants.
    ownerReads: (system) => ['profile', 'salt', 'user_profile'].map((t) => ({ kind: 'table', segments: [system[0]!, t] })),

    setupContainer(container) {
      return [stmt(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(container[0]!)}`)];
    },

    insertProfile(system, rows) {
      for (const r of rows) checkRow(r);
      return chunked(rows).map((chunk) =>
        stmt(
          `INSERT INTO ${qualified(system[0]!, 'profile')} (principal, kind, name, value) VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')} ` +
            'ON DUPLICATE KEY UPDATE value = VALUES(value)',
          chunk.flatMap((r) => [r.principal, r.kind, r.name, r.value]),
        ),
      );
    },

    deleteProfile(system, rows) {
      return chunked(rows).map((chunk) =>
        stmt(
          `DELETE FROM ${qualified(system[0]!, 'profile')} WHERE (principal, kind, name, value) IN (${chunk.map(() => '(?, ?, ?, ?)').join(', ')})`,
          chunk.flatMap((r) => [r.principal, r.kind, r.name, r.value]),
        ),
      );
    },

    putSalts(system, rows) {
      return chunked(rows).map((chunk) =>
        stmt(
          `INSERT INTO ${qualified(system[0]!, 'salt')} (name, value) VALUES ${chunk.map(() => '(?, ?)').join(', ')} ON DUPLICATE KEY UPDATE value = VALUES(value)`,
          chunk.flatMap((r) => [r.name, r.value]),
        ),
      ).map((st) => ({ ...st, secret: true }));
    },

    deleteSalts(system, names) {
      return chunked(names).map((chunk) => stmt(`DELETE FROM ${qualified(system[0]!, 'salt')} WHERE name IN (${placeholders(chunk.length)})`, chunk));
    },
  };
}

/** A value longer than its column would be cut (or refused) by the server: refuse it at plan time. */
function checkRow(r: ProfileRow): void {
  for (const key of ['principal', 'name', 'value'] as const) {
    if ([...r[key]].length > PROFILE_LIMITS[key]) {
      const what = r.kind === 'attribute' ? `attribute "${r.name}" of ${r.principal}` : r.kind === 'group' ? `a group of ${r.principal}` : r.kind === 'exempt' ? `policy name "${r.value}"` : `principal "${r.principal}"`;
      throw new StewardError('invalid_input', `${what}: longer than ${PROFILE_LIMITS[key]} characters, the most a MySQL/MariaDB profile row holds`, {
        hint: 'shorten the value (profile rows hold principals, groups, attribute names and values)',
      });
    }
  }
}
