import { describe, expect, it } from 'vitest';
import { accountGrantee, roleGrantee as R } from '../../src/domain/access.js';
import { canonicalizeState } from '../../src/domain/canonical-state.js';

const A = (user: string, host = '%') => accountGrantee(user, host);
import type { AccessScope } from '../../src/domain/access.js';
import { readActualState } from '../../src/platforms/mysql/actual-state.js';
import { columnGrantsQuery, databaseGrantsQuery, membershipsQuery, principalsQuery, rolesQuery, tableGrantsQuery } from '../../src/platforms/mysql/actual-state.sql.js';
import type { QueryFn, Row, SqlQuery } from '../../src/platforms/mysql/query.js';

describe('actual-state SQL', () => {
  it('MariaDB reads roles, principals, memberships from mysql.user and mysql.roles_mapping', () => {
    expect(rolesQuery('mariadb', 'steward_')).toEqual({
      sql: "SELECT User AS name FROM mysql.user WHERE is_role = 'Y' AND LEFT(User, CHAR_LENGTH(?)) = ?",
      values: ['steward_', 'steward_'],
    });
    expect(principalsQuery('mariadb', '%', ['alice', "o'brien"])).toEqual({
      sql: "SELECT User AS name, default_role AS role, '' AS role_host FROM mysql.user WHERE is_role = 'N' AND Host = ? AND User IN (?, ?)",
      values: ['%', 'alice', "o'brien"],
    });
    expect(membershipsQuery('mariadb', 'steward_')).toEqual({
      sql: 'SELECT Role AS role, User AS user, Host AS host, Admin_option AS admin FROM mysql.roles_mapping WHERE LEFT(Role, CHAR_LENGTH(?)) = ?',
      values: ['steward_', 'steward_'],
    });
  });

  it('MySQL 8 reads roles as locked password-less accounts, role_edges and default_roles', () => {
    expect(rolesQuery('mysql', 'steward_')).toEqual({
      sql:
        "SELECT User AS name FROM mysql.user WHERE Host = '%' AND account_locked = 'Y' AND authentication_string = '' " +
        'AND LEFT(User, CHAR_LENGTH(?)) = ?',
      values: ['steward_', 'steward_'],
    });
    expect(principalsQuery('mysql', 'localhost', ['alice'])).toEqual({
      sql:
        'SELECT u.User AS name, d.DEFAULT_ROLE_USER AS role, d.DEFAULT_ROLE_HOST AS role_host FROM mysql.user u ' +
        'LEFT JOIN mysql.default_roles d ON d.USER = u.User AND d.HOST = u.Host WHERE u.Host = ? AND u.User IN (?)',
      values: ['localhost', 'alice'],
    });
    expect(membershipsQuery('mysql', 'steward_')).toEqual({
      sql:
        'SELECT FROM_USER AS role, TO_USER AS user, TO_HOST AS host, WITH_ADMIN_OPTION AS admin FROM mysql.role_edges ' +
        "WHERE FROM_HOST = '%' AND LEFT(FROM_USER, CHAR_LENGTH(?)) = ?",
      values: ['steward_', 'steward_'],
    });
  });

  it('both read table and database grants with bound database names', () => {
    expect(tableGrantsQuery(['shop', "we'ird"], 'steward_')).toEqual({
      sql:
        'SELECT Db AS db, Table_name AS tbl, User AS user, Host AS host, Table_priv AS privs FROM mysql.tables_priv ' +
        'WHERE Db IN (?, ?) OR LEFT(User, CHAR_LENGTH(?)) = ?',
      values: ['shop', "we'ird", 'steward_', 'steward_'],
    });
    // Every database-level grant of a data privilege: which reach protected tables is decided
    // in JS, since `Db` is a pattern.
    expect(databaseGrantsQuery()).toEqual({
      sql:
        'SELECT Db AS db, User AS user, Host AS host, Select_priv AS s, Insert_priv AS i, Update_priv AS u, Delete_priv AS d FROM mysql.db ' +
        "WHERE Select_priv = 'Y' OR Insert_priv = 'Y' OR Update_priv = 'Y' OR Delete_priv = 'Y'",
      values: [],
    });
    expect(columnGrantsQuery(['shop'], 'steward_')).toEqual({
      sql:
        'SELECT Db AS db, Table_name AS tbl, Column_name AS col, User AS user, Host AS host, Column_priv AS privs FROM mysql.columns_priv ' +
        'WHERE Db IN (?) OR LEFT(User, CHAR_LENGTH(?)) = ?',
      values: ['shop', 'steward_', 'steward_'],
    });
  });
});

/** Answer each reader query from canned rows picked by the table it reads. */
function fake(tables: Record<string, Row[]>, seen: SqlQuery[] = []): QueryFn {
  return async (q) => {
    seen.push(q);
    for (const [key, rows] of Object.entries(tables)) if (q.sql.includes(key)) return rows;
    return [];
  };
}

const scope: AccessScope = {
  rolePrefix: 'steward_',
  principals: [A('alice'), A('bob'), A('ghost')],
  protectedTables: [
    { kind: 'table', segments: ['shop', 'orders'] },
    { kind: 'table', segments: ['shop', 'customers'] },
  ],
  protectedSequences: [],
  containers: [{ kind: 'database', segments: ['shop'] }],
  databases: [],
  protectedDatabases: [],
  unprotectedTables: [{ kind: 'table', segments: ['shop', 'unprotected'] }],
  ignoredGrantees: ['backup'],
};

describe('readActualState (rows → neutral model)', () => {
  it('maps MariaDB rows, dropping the creator admin row, the system account and ignored grantees', async () => {
    const seen: SqlQuery[] = [];
    const state = await readActualState(
      fake(
        {
          "is_role = 'Y'": [{ name: 'steward_read_r' }, { name: 'steward_u_alice' }],
          "is_role = 'N'": [
            { name: 'alice', role: 'steward_u_alice', role_host: '' },
            { name: 'bob', role: '', role_host: '' },
          ],
          roles_mapping: [
            { role: 'steward_read_r', user: 'steward', host: '%', admin: 'Y' },
            { role: 'steward_read_r', user: 'steward_u_alice', host: '', admin: 'N' },
            { role: 'steward_u_alice', user: 'alice', host: '%', admin: 'N' },
            { role: 'steward_u_alice', user: 'root', host: 'localhost', admin: 'N' },
          ],
          tables_priv: [
            { db: 'shop', tbl: 'orders', user: 'steward_read_r', host: '', privs: 'Select' },
            { db: 'shop', tbl: 'orders', user: 'bob', host: '%', privs: 'Select,Insert,Update,Delete,Create,Drop,Grant' },
            { db: 'shop', tbl: 'orders', user: 'bob', host: 'localhost', privs: 'Delete,Select' },
            { db: 'shop', tbl: 'orders', user: 'analyst', host: '', privs: 'Select' },
            { db: 'shop', tbl: 'orders', user: 'steward', host: '%', privs: 'Select' },
            { db: 'shop', tbl: 'orders', user: 'backup', host: 'localhost', privs: 'Select' },
            { db: 'shop', tbl: 'orders', user: 'eve', host: '%', privs: 'Alter' },
            { db: 'shop', tbl: 'unprotected', user: 'eve', host: '%', privs: 'Select' },
          ],
          'mysql.db': [
            { db: 'shop', user: 'steward_read_r', host: '', s: 'Y', i: 'N', u: 'N', d: 'Y' },
            // A foreign grant on the partly protected database: narrowed to its unprotected table.
            { db: 'shop', user: 'steward_lookalike', host: '%', s: 'Y', i: 'N', u: 'N', d: 'N' },
            // Out of scope: another database, the system account, an ignored grantee.
            { db: 'other', user: 'eve', host: '%', s: 'Y', i: 'N', u: 'N', d: 'N' },
            { db: 'shop', user: 'steward', host: '%', s: 'Y', i: 'Y', u: 'Y', d: 'Y' },
            { db: 'shop', user: 'backup', host: 'localhost', s: 'Y', i: 'N', u: 'N', d: 'N' },
          ],
          columns_priv: [
            { db: 'shop', tbl: 'customers', col: 'email', user: 'eve', host: '%', privs: 'Select,References' },
            { db: 'shop', tbl: 'customers', col: 'id', user: 'eve', host: '%', privs: 'References' },
            { db: 'shop', tbl: 'unprotected', col: 'id', user: 'eve', host: '%', privs: 'Select' },
          ],
          'SHOW GRANTS': [{ g: 'GRANT SELECT, INSERT, UPDATE, DELETE ON `shop`.* TO `steward`@`%` WITH GRANT OPTION' }],
        },
        seen,
      ),
      scope,
      { dialect: 'mariadb', hostPattern: '%', systemAccount: { user: 'steward', host: '%' } },
    );
    // Canonical order: accounts sort before roles (see granteeKey).
    expect(state).toEqual(canonicalizeState({
      roles: [
        { grantee: R('steward_read_r'), purpose: 'policy' },
        { grantee: R('steward_u_alice'), purpose: 'personal' },
        { grantee: A('alice'), purpose: 'principal' },
        { grantee: A('bob'), purpose: 'principal' },
      ],
      memberships: [
        { role: 'steward_read_r', member: R('steward_u_alice') },
        { role: 'steward_u_alice', member: A('alice') },
        { role: 'steward_u_alice', member: A('root', 'localhost') },
      ],
      grants: [
        { securable: { kind: 'database', segments: ['shop'] }, grantee: R('steward_read_r'), privileges: ['SELECT', 'DELETE'] },
        {
          securable: { kind: 'database', segments: ['shop'] },
          grantee: A('steward_lookalike'),
          privileges: ['SELECT'],
          narrowTo: [{ kind: 'table', segments: ['shop', 'unprotected'] }],
        },
        { securable: { kind: 'column', segments: ['shop', 'customers', 'email'] }, grantee: A('eve'), privileges: ['SELECT'] },
        { securable: { kind: 'table', segments: ['shop', 'orders'] }, grantee: R('analyst'), privileges: ['SELECT'] },
        { securable: { kind: 'table', segments: ['shop', 'orders'] }, grantee: R('steward_read_r'), privileges: ['SELECT'] },
        { securable: { kind: 'table', segments: ['shop', 'orders'] }, grantee: A('bob'), privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] },
        { securable: { kind: 'table', segments: ['shop', 'orders'] }, grantee: A('bob', 'localhost'), privileges: ['SELECT', 'DELETE'] },
      ],
      defaultGrants: [],
      defaultRoles: [{ user: A('alice'), role: 'steward_u_alice' }],
    }));
    // One query per kind, every name bound (table grants: protected databases or Steward roles
    // anywhere), and the account's own grants, to know it may revoke the foreign database grant.
    expect(seen.map((q) => q.sql.split(' FROM ')[1]?.split(' ')[0] ?? q.sql)).toEqual([
      'mysql.user', 'mysql.user', 'mysql.roles_mapping', 'mysql.tables_priv', 'mysql.db', 'mysql.columns_priv', 'SHOW GRANTS',
    ]);
    expect(seen.find((q) => q.sql.includes('tables_priv'))?.values).toEqual(['shop', 'steward_', 'steward_']);
    expect(seen.find((q) => q.sql.includes("is_role = 'N'"))?.values).toEqual(['%', 'alice', 'bob', 'ghost']);
  });

  it('maps MySQL 8 rows: roles at host %, several default roles', async () => {
    const seen: SqlQuery[] = [];
    const state = await readActualState(
      fake(
        {
          account_locked: [{ name: 'steward_read_r' }],
          default_roles: [
            { name: 'alice', role: 'steward_read_r', role_host: '%' },
            { name: 'alice', role: 'legacy', role_host: 'localhost' },
            { name: 'bob', role: null, role_host: null },
          ],
          role_edges: [
            { role: 'steward_read_r', user: 'alice', host: '%', admin: 'N' },
            { role: 'steward_read_r', user: 'steward_u_x', host: '%', admin: 'N' },
          ],
          tables_priv: [{ db: 'shop', tbl: 'customers', user: 'steward_read_r', host: '%', privs: 'Select,Update' }],
        },
        seen,
      ),
      { ...scope, containers: [] },
      { dialect: 'mysql', hostPattern: '%', systemAccount: { user: 'steward', host: '%' } },
    );
    expect(state.roles.map((r) => r.grantee)).toEqual([A('alice'), A('bob'), R('steward_read_r')]);
    expect(state.defaultRoles).toEqual([
      { user: A('alice'), role: "'legacy'@'localhost'" },
      { user: A('alice'), role: 'steward_read_r' },
    ]);
    // A MySQL 8 role is an account at '%': Steward's (by prefix) read as roles, others as accounts.
    expect(state.memberships).toEqual([
      { role: 'steward_read_r', member: A('alice') },
      { role: 'steward_read_r', member: R('steward_u_x') },
    ]);
    expect(state.grants).toEqual([{ securable: { kind: 'table', segments: ['shop', 'customers'] }, grantee: R('steward_read_r'), privileges: ['SELECT', 'UPDATE'] }]);
    // Steward roles' database grants are read wherever they are, containers or not.
    expect(seen.some((q) => q.sql.includes('mysql.db'))).toBe(true);
  });
});
