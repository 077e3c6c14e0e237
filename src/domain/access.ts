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
 * Who holds a privilege or a membership. Typed, never a bare string, because names carry no
 * kind of their own: a real PostgreSQL role may be called `PUBLIC`, and a MySQL login may be
 * called `'root'@'localhost'`; only the kind says which is meant.
 * - `role`: a named role (every PostgreSQL grantee; a MariaDB role; Steward's own roles);
 * - `public`: the PostgreSQL pseudo-role of everyone;
 * - `account`: a MySQL/MariaDB account `'user'@'host'`.
 */
export type Grantee =
  | { readonly kind: 'role'; readonly name: string }
  | { readonly kind: 'public' }
  | { readonly kind: 'account'; readonly user: string; readonly host: string };

export const PUBLIC_GRANTEE: Grantee = Object.freeze({ kind: 'public' });

export function roleGrantee(name: string): Grantee {
  return { kind: 'role', name };
}

export function accountGrantee(user: string, host: string): Grantee {
  return { kind: 'account', user, host };
}

/**
 * An injective string for a grantee, used as a map key and as the sort key of canonical order.
 * Names cannot hold NUL on any supported platform, so: a role is its name (a role keeps its
 * natural sort order), PUBLIC is `\0public` and an account `\u0001user\0host` — neither can be
 * a role's name, and they cannot be each other.
 */
export function granteeKey(g: Grantee): string {
  switch (g.kind) {
    case 'role':
      return g.name;
    case 'public':
      return '\u0000public';
    case 'account':
      return `\u0001${g.user}\u0000${g.host}`;
  }
}

/** The grantee a key stands for (inverse of `granteeKey`). */
export function granteeOfKey(key: string): Grantee {
  if (key === '\u0000public') return PUBLIC_GRANTEE;
  if (key.startsWith('\u0001')) {
    const nul = key.indexOf('\u0000');
    return accountGrantee(key.slice(1, nul), key.slice(nul + 1));
  }
  return roleGrantee(key);
}

export function sameGrantee(a: Grantee, b: Grantee): boolean {
  return granteeKey(a) === granteeKey(b);
}

/** A grantee as people read it in messages and plans: `alice`, `PUBLIC`, `'bob'@'localhost'`. */
export function granteeLabel(g: Grantee): string {
  switch (g.kind) {
    case 'role':
      return g.name;
    case 'public':
      return 'PUBLIC';
    case 'account':
      return `'${g.user}'@'${g.host}'`;
  }
}

/** The user or role name inside a grantee (PUBLIC has none). */
export function granteeName(g: Grantee): string | null {
  return g.kind === 'role' ? g.name : g.kind === 'account' ? g.user : null;
}

/**
 * Something privileges are granted on. `segments` are raw names below the connection:
 * - `database` `[db]`; `schema` `[db, schema]`;
 * - `table` `[db, schema, table]` on PostgreSQL, `[db, table]` on MySQL (views, materialized
 *   views and partitions too: the grant syntax is the same; the policy engine decides which
 *   privileges apply);
 * - `sequence` `[db, schema, sequence]` (PostgreSQL: USAGE for `nextval` defaults);
 * - `column` `[...table segments, column]` (column privileges; Steward never grants them, it
 *   only finds and revokes them on protected tables).
 */
export interface Securable {
  readonly kind: 'database' | 'schema' | 'table' | 'sequence' | 'column';
  readonly segments: readonly string[];
  /**
   * `database` only, actual state only: `segments[0]` is not a database name but the pattern a
   * MySQL/MariaDB database-level grant is stored under (LIKE syntax: `_` and `%` are wildcards,
   * `\` escapes), because it may reach several databases (`shop%`, or `my_db`, which also
   * matches `myXdb`). It is written back verbatim so that a REVOKE names exactly that row.
   * Absent: an exact database name (the platform escapes it where its grammar needs to).
   */
  readonly pattern?: true;
}

export function securableKey(s: Securable): string {
  return `${s.kind}${s.pattern ? '~pattern' : ''}:${JSON.stringify(s.segments)}`;
}

export type RolePurpose =
  /** `steward_…` role holding one policy's privileges. */
  | 'policy'
  /** `steward_…u_…` personal role (MariaDB: the one default role of a governed user). */
  | 'personal'
  /**
   * `steward_…g_…` role of one Steward group, member of the policy roles granted to the whole
   * group; the group's users' personal roles are its members (platforms that grant one role per
   * statement: joining a group is then one GRANT, whatever the number of its policies).
   */
  | 'group'
  /** A governed user's own login; created without login if missing, never dropped. */
  | 'principal';

/** A role of the state: Steward's own (`grantee` a role) or a governed user's login. */
export interface RoleSpec {
  readonly grantee: Grantee;
  readonly purpose: RolePurpose;
}

/** `member` is granted `role`; memberships are only ever in Steward's own roles. */
export interface Membership {
  readonly role: string;
  readonly member: Grantee;
}

export interface Grant {
  readonly securable: Securable;
  readonly grantee: Grantee;
  readonly privileges: readonly Privilege[];
  /**
   * Actual state only: the role that made this grant when it is not the system account
   * (PostgreSQL records a grantor per ACL item, and a REVOKE only removes the items its
   * issuer granted). Undefined: the system account, or a platform without grantors.
   */
  readonly grantor?: string;
  /**
   * Actual state only: revoking this grant would also take away access outside Steward's scope
   * (a MySQL database-level grant reaching unprotected tables or other databases). The planner
   * keeps that access by granting the same privileges on these securables in the revocation
   * (see the `revoke` operation's `narrowTo`): the grant is narrowed, not just revoked.
   */
  readonly narrowTo?: readonly Securable[];
  /**
   * Actual state only: why the system account cannot revoke this grant (one line, with what an
   * administrator can do). The planner reports its revocation as blocked instead of running a
   * statement the server would refuse.
   */
  readonly revokeBlocked?: string;
}

/** What kind of future objects a default privilege applies to. */
export type DefaultObjects = 'tables' | 'sequences';

/** Privileges future objects created by `owner` in `database.schema` give to `grantee`. */
export interface DefaultGrant {
  readonly database: string;
  readonly schema: string;
  readonly owner: string;
  readonly objects: DefaultObjects;
  readonly grantee: Grantee;
  readonly privileges: readonly Privilege[];
}

/** The role activated at login for `user` (MariaDB / MySQL). */
export interface DefaultRole {
  readonly user: Grantee;
  readonly role: string | null;
}

/**
 * A role the system account cannot act as: what it granted cannot be revoked by Steward, nor
 * its default privileges changed.
 */
export interface BlockedGrantor {
  readonly grantor: string;
  /** One line: why, and what an administrator can do. */
  readonly reason: string;
}

export interface AccessState {
  readonly roles: readonly RoleSpec[];
  readonly memberships: readonly Membership[];
  readonly grants: readonly Grant[];
  readonly defaultGrants: readonly DefaultGrant[];
  readonly defaultRoles: readonly DefaultRole[];
  /**
   * Actual state only: roles the system account would have to act as and cannot — grantors of
   * in-scope grants, owners of in-scope default privileges — with why.
   */
  readonly blockedGrantors?: readonly BlockedGrantor[];
}

export const EMPTY_STATE: AccessState = { roles: [], memberships: [], grants: [], defaultGrants: [], defaultRoles: [] };

/**
 * Which part of a database Steward may read and change on one connection. The actual-state
 * reader returns only what falls in scope, and the planner never emits an operation outside it.
 */
export interface AccessScope {
  /** Prefix of every role Steward owns, e.g. `steward_`. */
  readonly rolePrefix: string;
  /** Governed users' principals, as grantees (a role on PostgreSQL, an account on MySQL). */
  readonly principals: readonly Grantee[];
  /**
   * Protected relations (partitions of protected tables included): every grant on them and on
   * their columns is Steward's to decide (owner and ignored grantees aside).
   */
  readonly protectedTables: readonly Securable[];
  /** Sequences feeding column defaults of protected tables: their grants are Steward's to decide. */
  readonly protectedSequences: readonly Securable[];
  /**
   * Databases and schemas reached by protected tables: only Steward roles' grants there are in
   * scope, except on platforms with database-level grants (MySQL, MariaDB), where a grant on a
   * database holding protected tables reaches them and is in scope whoever holds it.
   */
  readonly containers: readonly Securable[];
  /**
   * Every database of the connection's catalog. Grants held by Steward's own roles are in scope
   * wherever they are (a table that left protection must not keep a Steward role's access, and
   * a role cannot be dropped while it holds any); other grantees only on protected tables.
   */
  readonly databases: readonly string[];
  /**
   * Databases whose every table is protected (MySQL: database-level grants there are Steward's
   * to decide, whoever holds them).
   */
  readonly protectedDatabases: readonly string[];
  /**
   * Platforms with database-level grants only: the catalog's unprotected relations in databases
   * that hold protected ones. A foreign database-level grant there is narrowed to them (they
   * keep their access) rather than revoked whole. Absent: none.
   */
  readonly unprotectedTables?: readonly Securable[];
  /** Names never touched on protected objects (the system account, configured exceptions): a role, or an account's user. */
  readonly ignoredGrantees: readonly string[];
  /**
   * Owners the desired state sets default privileges for. Setting them means acting as the
   * owner (PostgreSQL: `ALTER DEFAULT PRIVILEGES FOR ROLE`), so the reader reports those the
   * system account cannot act as in `blockedGrantors`, and the planner leaves their default
   * privileges out. Absent: none.
   */
  readonly defaultOwners?: readonly string[];
}

/** Is this grantee one of the ignored names? PUBLIC never is. */
export function isIgnoredGrantee(g: Grantee, ignored: ReadonlySet<string>): boolean {
  const name = granteeName(g);
  return name !== null && ignored.has(name);
}
