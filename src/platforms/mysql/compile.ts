import { sortPrivileges, type Privilege, type Securable } from '../../domain/access.js';
import type { ConnectionOptions } from '../../domain/connection.js';
import { StewardError } from '../../domain/errors.js';
import type { Operation, Plan, Statement } from '../../domain/plan.js';
import { accountSql } from './account-name.js';
import { roleGrantee, type Grantee } from '../../domain/access.js';
import type { Dialect } from './dialect.js';
import { escapeDatabasePattern } from './database-pattern.js';
import { quoteIdent } from './quote.js';
import { secureViewStatements } from '../secure-view-dialect.js';
import { mysqlSecureViews } from './secure-views.js';

/** The privileges a MySQL/MariaDB object grant can carry in the neutral model. */
const OBJECT_PRIVILEGES: ReadonlySet<Privilege> = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);

/**
 * CONNECT and USAGE have no MySQL counterpart (every account may connect; USAGE means "no
 * privilege"), so asking for them is a no-op. TRUNCATE needs the DROP privilege here, which
 * also drops the table: it is never emitted, and a plan asking for it is refused.
 */
function objectPrivileges(privileges: readonly Privilege[]): Privilege[] {
  const out = sortPrivileges(privileges.filter((p) => p !== 'CONNECT' && p !== 'USAGE'));
  const bad = out.filter((p) => !OBJECT_PRIVILEGES.has(p));
  if (bad.length > 0) {
    throw new StewardError('unsupported', `compile: ${bad.join(', ')} cannot be granted on MySQL/MariaDB`, {
      hint: 'TRUNCATE requires DROP on MySQL; use the platform writePrivileges (SELECT, INSERT, UPDATE, DELETE)',
    });
  }
  return out;
}

/**
 * `privileges ON object` of one securable. A database name is a LIKE pattern in `ON db.*`, so an
 * exact database is escaped (`my_db` would also reach `myXdb`), and a stored pattern read from
 * `mysql.db` is written back verbatim so that a REVOKE names exactly that row. Column
 * privileges are written per column: `SELECT (\`c\`) ON db.t`.
 */
function privilegesOn(privileges: readonly Privilege[], s: Securable): string {
  const list = privileges.join(', ');
  if (s.kind === 'database' && s.segments.length === 1) {
    const name = s.segments[0]!;
    return `${list} ON ${quoteIdent(s.pattern ? name : escapeDatabasePattern(name))}.*`;
  }
  if (s.kind === 'table' && s.segments.length === 2) return `${list} ON ${tableSql(s.segments)}`;
  if (s.kind === 'column' && s.segments.length === 3) {
    const column = quoteIdent(s.segments[2]!);
    return `${privileges.map((p) => `${p} (${column})`).join(', ')} ON ${tableSql(s.segments)}`;
  }
  throw new StewardError('invalid_input', `compile: ${s.kind} ${JSON.stringify(s.segments)} is not a MySQL securable`, {
    hint: 'MySQL securables are [database], [database, table] and [database, table, column]',
  });
}

function tableSql(segments: readonly string[]): string {
  return `${quoteIdent(segments[0]!)}.${quoteIdent(segments[1]!)}`;
}

/** Compile one operation to its statements, in order. */
function compileOperation(op: Exclude<Operation, { kind: 'secureView' }>, dialect: Dialect, rolePrefix: string): string[] {
  const acct = (g: Grantee): string => accountSql(g, dialect);
  const role = (name: string): string => acct(roleGrantee(name));
  const list = (grantees: readonly Grantee[]): string => grantees.map(acct).join(', ');
  switch (op.kind) {
    case 'createRole':
      if (op.purpose === 'principal') {
        // A governed user Steward had to create cannot log in until an admin gives it a way to
        // authenticate: never a passwordless open account. IF NOT EXISTS leaves an existing
        // account (and its lock state) alone.
        return [`CREATE USER IF NOT EXISTS ${acct(op.role)} ACCOUNT LOCK`];
      }
      if (op.role.kind !== 'role' || !op.role.name.startsWith(rolePrefix)) {
        throw new StewardError('unsafe_plan', `compile: ${op.purpose} role ${acct(op.role)} is not a ${rolePrefix}* role`);
      }
      return [`CREATE ROLE IF NOT EXISTS ${acct(op.role)}`];
    case 'dropRole':
      if (!op.role.startsWith(rolePrefix)) {
        throw new StewardError('unsafe_plan', `compile: "${op.role}" is not a ${rolePrefix}* role; principals are never dropped`);
      }
      return [`DROP ROLE IF EXISTS ${role(op.role)}`];
    case 'grantMembership':
    case 'revokeMembership': {
      if (op.roles.length === 0 || op.members.length === 0) return [];
      const [verb, dir] = op.kind === 'grantMembership' ? ['GRANT', 'TO'] : ['REVOKE', 'FROM'];
      // MariaDB's grammar takes one role per statement (`GRANT 'a', 'b' TO …` is a syntax
      // error, checked on 10.11) but a list of grantees; MySQL 8 takes lists of both.
      if (dialect === 'mariadb') return op.roles.map((r) => `${verb} ${role(r)} ${dir} ${list(op.members)}`);
      return [`${verb} ${op.roles.map(role).join(', ')} ${dir} ${list(op.members)}`];
    }
    case 'grant':
    case 'revoke': {
      const privileges = objectPrivileges(op.privileges);
      if (privileges.length === 0 || op.grantees.length === 0) return [];
      const [verb, dir] = op.kind === 'grant' ? ['GRANT', 'TO'] : ['REVOKE', 'FROM'];
      // One statement per object for all grantees: the grammar allows one object per GRANT,
      // and batching grantees keeps the statement count to objects, not objects × roles.
      const statements = op.securables.map((s) => `${verb} ${privilegesOn(privileges, s)} ${dir} ${list(op.grantees)}`);
      // Narrowing a database-level grant: what it reached outside the scope is granted first,
      // so that stopping between statements never leaves more access than before (and the
      // grantee never loses what the revocation was not about).
      const keep = op.kind === 'revoke' ? (op.narrowTo ?? []) : [];
      return [...keep.map((s) => `GRANT ${privilegesOn(privileges, s)} TO ${list(op.grantees)}`), ...statements];
    }
    case 'setDefaultRole': {
      const target = op.role === null ? 'NONE' : role(op.role);
      // The one spelling difference of the two dialects' role syntax.
      return [`SET DEFAULT ROLE ${target} ${dialect === 'mariadb' ? 'FOR' : 'TO'} ${acct(op.user)}`];
    }
    case 'grantDefault':
    case 'revokeDefault':
      throw new StewardError('unsupported', 'compile: MySQL and MariaDB have no default privileges for future tables', {
        hint: 'the platform capability defaultPrivileges is false; new tables are covered at the next sync',
      });
  }
}

/**
 * Compile a plan to the exact SQL apply runs, preserving operation order (the planner puts
 * revokes first: nothing here is transactional). Pure: no I/O, same plan, same text.
 */
export function compile(plan: Plan, options: ConnectionOptions, dialect: Dialect): Statement[] {
  const out: Statement[] = [];
  plan.operations.forEach((op, index) => {
    // Data policies: statements with bind parameters, from the dialect's secure views.
    if (op.kind === 'secureView') out.push(...secureViewStatements(mysqlSecureViews(dialect), op.change, index, options));
    else for (const sql of compileOperation(op, dialect, options.rolePrefix)) out.push({ sql, database: null, op: index });
  });
  return out;
}
