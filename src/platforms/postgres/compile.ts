import { granteeLabel, sortPrivileges, type Grantee, type Privilege, type Securable } from '../../domain/access.js';
import type { ConnectionOptions } from '../../domain/connection.js';
import { StewardError } from '../../domain/errors.js';
import type { Operation, Plan, Statement } from '../../domain/plan.js';
import { quoteIdent } from './quote.js';
import { secureViewStatements } from '../secure-view-dialect.js';
import { postgresSecureViews } from './secure-views.js';

/**
 * Objects per GRANT/REVOKE statement. One multi-object statement is ~40× faster than single
 * grants (see BENCHMARKS.md), and 1,000 keeps each statement and its error message readable.
 */
export const OBJECTS_PER_STATEMENT = 1000;

/** What each securable level accepts on PostgreSQL, in canonical order. */
const APPLICABLE: Record<Securable['kind'], readonly Privilege[]> = {
  database: ['CONNECT'],
  schema: ['USAGE'],
  table: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'],
  sequence: ['USAGE', 'SELECT', 'UPDATE'],
  column: ['SELECT', 'INSERT', 'UPDATE'],
};
const DEPTH: Record<Securable['kind'], number> = { database: 1, schema: 2, table: 3, sequence: 3, column: 4 };
const KEYWORD: Record<Securable['kind'], string> = { database: 'DATABASE', schema: 'SCHEMA', table: 'TABLE', sequence: 'SEQUENCE', column: 'TABLE' };

function badOp(index: number, problem: string): StewardError {
  return new StewardError('invalid_input', `plan.operations[${index}]: ${problem}`, {
    hint: 'the planner produced an operation PostgreSQL cannot express',
    details: { field: `plan.operations[${index}]` },
  });
}

/**
 * A grantee as SQL. PUBLIC (the pseudo-role of everyone) is a keyword; every role, a real role
 * called "PUBLIC" included, is a quoted name. An account `'user'@'host'` does not exist here.
 */
function grantee(g: Grantee): string {
  if (g.kind === 'public') return 'PUBLIC';
  if (g.kind === 'role') return quoteIdent(g.name);
  throw new StewardError('invalid_input', `compile: ${granteeLabel(g)} is a MySQL account, not a PostgreSQL role`, {
    hint: 'the planner produced a grantee PostgreSQL cannot express',
  });
}

const roles = (names: readonly string[]): string => names.map(quoteIdent).join(', ');
const grantees = (list: readonly Grantee[]): string => list.map(grantee).join(', ');

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function privilegesFor(index: number, kind: Securable['kind'], privileges: readonly Privilege[]): string {
  const applicable = sortPrivileges(privileges).filter((p) => APPLICABLE[kind].includes(p));
  if (applicable.length === 0) throw badOp(index, `none of ${privileges.join(', ')} applies to a ${kind}`);
  return applicable.join(', ');
}

/** The object as written after `ON TABLE|SEQUENCE|SCHEMA|DATABASE`; tables and sequences are schema-qualified. */
function objectName(s: Securable): string {
  return s.kind === 'database' ? quoteIdent(s.segments[0]!) : s.kind === 'schema' ? quoteIdent(s.segments[1]!) : `${quoteIdent(s.segments[1]!)}.${quoteIdent(s.segments[2]!)}`;
}

/** Column privileges: `SELECT ("c"), UPDATE ("c") ON TABLE "s"."t"`, one column per statement. */
function columnStatement(index: number, op: Extract<Operation, { kind: 'grant' | 'revoke' }>, s: Securable): string {
  const column = quoteIdent(s.segments[3]!);
  const privs = privilegesFor(index, 'column', op.privileges)
    .split(', ')
    .map((p) => `${p} (${column})`)
    .join(', ');
  const on = `ON TABLE ${objectName(s)}`;
  return op.kind === 'grant' ? `GRANT ${privs} ${on} TO ${grantees(op.grantees)}` : `REVOKE ${privs} ${on} FROM ${grantees(op.grantees)}`;
}

/**
 * GRANT/REVOKE on securables, grouped by kind and database (first-seen order, so output is
 * deterministic) and chunked. Schema and table statements run in their database; database
 * statements run anywhere (database `null`).
 */
function objectStatements(index: number, op: Extract<Operation, { kind: 'grant' | 'revoke' }>): Statement[] {
  if (op.grantees.length === 0 || op.securables.length === 0) return [];
  const groups = new Map<string, Securable[]>();
  for (const s of op.securables) {
    if (s.segments.length !== DEPTH[s.kind]) throw badOp(index, `a ${s.kind} needs ${DEPTH[s.kind]} path segments, got ${s.segments.length}`);
    const key = `${s.kind}\u0000${s.kind === 'database' ? '' : s.segments[0]!}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(s);
  }
  const out: Statement[] = [];
  // A revocation of another grantor's items runs as that grantor.
  const runAs = op.kind === 'revoke' && op.grantor !== undefined ? { runAs: op.grantor } : {};
  for (const list of groups.values()) {
    const first = list[0]!;
    const database = first.kind === 'database' ? null : first.segments[0]!;
    if (first.kind === 'column') {
      for (const s of list) out.push({ sql: columnStatement(index, op, s), database, op: index, ...runAs });
      continue;
    }
    const privs = privilegesFor(index, first.kind, op.privileges);
    for (const chunk of chunks(list, OBJECTS_PER_STATEMENT)) {
      const objects = `${KEYWORD[first.kind]} ${chunk.map(objectName).join(', ')}`;
      const sql =
        op.kind === 'grant'
          ? `GRANT ${privs} ON ${objects} TO ${grantees(op.grantees)}`
          : `REVOKE ${privs} ON ${objects} FROM ${grantees(op.grantees)}`;
      out.push({ sql, database, op: index, ...runAs });
    }
  }
  return out;
}

function compileOne(index: number, op: Operation, options: ConnectionOptions): Statement[] {
  const onDefault = (sql: string): Statement[] => [{ sql, database: null, op: index }];
  switch (op.kind) {
    case 'createRole':
      // Every purpose is created NOLOGIN: a missing principal gets login from an admin, never
      // from Steward, which holds no passwords for people.
      return onDefault(`CREATE ROLE ${grantee(op.role)} NOLOGIN`);
    case 'dropRole':
      // The planner revokes memberships and grants first; a leftover makes DROP fail loudly,
      // which is the safe outcome (no REASSIGN/DROP OWNED here).
      return onDefault(`DROP ROLE ${quoteIdent(op.role)}`);
    case 'grantMembership':
      if (op.roles.length === 0 || op.members.length === 0) return [];
      return chunks(op.members, OBJECTS_PER_STATEMENT).map((m) => ({ sql: `GRANT ${roles(op.roles)} TO ${grantees(m)}`, database: null, op: index }));
    case 'revokeMembership':
      if (op.roles.length === 0 || op.members.length === 0) return [];
      return chunks(op.members, OBJECTS_PER_STATEMENT).map((m) => ({ sql: `REVOKE ${roles(op.roles)} FROM ${grantees(m)}`, database: null, op: index }));
    case 'grant':
    case 'revoke':
      return objectStatements(index, op);
    case 'grantDefault':
    case 'revokeDefault': {
      if (op.grantees.length === 0) return [];
      const privs = privilegesFor(index, op.objects === 'sequences' ? 'sequence' : 'table', op.privileges);
      const head = `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(op.owner)} IN SCHEMA ${quoteIdent(op.schema)}`;
      const objects = op.objects === 'sequences' ? 'SEQUENCES' : 'TABLES';
      const sql =
        op.kind === 'grantDefault'
          ? `${head} GRANT ${privs} ON ${objects} TO ${grantees(op.grantees)}`
          : `${head} REVOKE ${privs} ON ${objects} FROM ${grantees(op.grantees)}`;
      return [{ sql, database: op.database, op: index }];
    }
    case 'setDefaultRole':
      // Every granted role is active at login on PostgreSQL (INHERIT): nothing to do.
      return [];
    case 'secureView':
      return secureViewStatements(postgresSecureViews, op.change, index, options);
  }
}

/**
 * Pure: compile a plan to the exact PostgreSQL statements apply runs, in plan order, each
 * tagged with its operation index and the database it must run in. Statements carry no
 * trailing semicolon; a script renderer adds them.
 */
export function compile(plan: Plan, options: ConnectionOptions): Statement[] {
  const out: Statement[] = [];
  plan.operations.forEach((op, i) => {
    for (const s of compileOne(i, op, options)) out.push(s);
  });
  return out;
}
