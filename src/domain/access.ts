/**
 * The platform-neutral model of access: what the desired state asks for and what the
 * actual state reads back, in the same shape so that a diff is set arithmetic.
 */

export type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'USAGE' | 'CONNECT';

/** Canonical privilege order; every list in a state or plan is sorted by it. */
export const PRIVILEGE_ORDER: readonly Privilege[] = ['CONNECT', 'USAGE', 'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];

export function sortPrivileges(privs: Iterable<Privilege>): Privilege[] {
  const set = new Set(privs);
  return PRIVILEGE_ORDER.filter((p) => set.has(p));
}

/**
 * Something privileges are granted on. `segments` are raw names below the connection:
 * `[db]`, `[db, schema]`, `[db, schema, table]` on PostgreSQL; `[db]`, `[db, table]` on MySQL.
 * Views and tables are both `table` here: the grant syntax is the same, the allowed
 * privileges differ and are decided by the policy engine.
 */
export interface Securable {
  readonly kind: 'database' | 'schema' | 'table';
  readonly segments: readonly string[];
}

export function securableKey(s: Securable): string {
  return `${s.kind}:${JSON.stringify(s.segments)}`;
}

export type RolePurpose =
  /** `steward_…` role holding one policy's privileges. */
  | 'policy'
  /** `steward_u_…` personal role (MariaDB: the one default role of a governed user). */
  | 'personal'
  /** A governed user's own login; created without login if missing, never dropped. */
  | 'principal';

export interface RoleSpec {
  readonly name: string;
  readonly purpose: RolePurpose;
}

/** `member` is granted `role`. */
export interface Membership {
  readonly role: string;
  readonly member: string;
}

export interface Grant {
  readonly securable: Securable;
  readonly grantee: string;
  readonly privileges: readonly Privilege[];
}

/** Privileges future tables created by `owner` in `database.schema` give to `grantee`. */
export interface DefaultGrant {
  readonly database: string;
  readonly schema: string;
  readonly owner: string;
  readonly grantee: string;
  readonly privileges: readonly Privilege[];
}

/** The role activated at login for `user` (MariaDB / MySQL). */
export interface DefaultRole {
  readonly user: string;
  readonly role: string | null;
}

export interface AccessState {
  readonly roles: readonly RoleSpec[];
  readonly memberships: readonly Membership[];
  readonly grants: readonly Grant[];
  readonly defaultGrants: readonly DefaultGrant[];
  readonly defaultRoles: readonly DefaultRole[];
}

export const EMPTY_STATE: AccessState = { roles: [], memberships: [], grants: [], defaultGrants: [], defaultRoles: [] };

/**
 * Which part of a database Steward may read and change on one connection. The actual-state
 * reader returns only what falls in scope, and the planner never emits an operation outside it.
 */
export interface AccessScope {
  /** Prefix of every role Steward owns, e.g. `steward_`. */
  readonly rolePrefix: string;
  /** Governed users' principals (database logins). */
  readonly principals: readonly string[];
  /** Protected relations: every grant on them is Steward's to decide (owner and system account aside). */
  readonly protectedTables: readonly Securable[];
  /** Databases and schemas reached by protected tables: only Steward roles' grants there are in scope. */
  readonly containers: readonly Securable[];
  /**
   * Every database of the connection's catalog. Grants held by Steward's own roles are in scope
   * wherever they are (a table that left protection must not keep a Steward role's access, and
   * a role cannot be dropped while it holds any); other grantees only on protected tables.
   */
  readonly databases: readonly string[];
  /** Grantees never touched on protected objects (the system account, configured exceptions). */
  readonly ignoredGrantees: readonly string[];
}
