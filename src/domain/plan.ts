import type { DefaultObjects, Grantee, Privilege, RolePurpose, Securable } from './access.js';
import type { SecureViewChange } from './secure-view.js';

/**
 * A plan is plain immutable data: ordered, platform-neutral operations tagged by `kind`.
 * Compiling it to SQL is a pure function of the platform; apply runs only compiled statements.
 * Grantees are typed (`Grantee`); Steward's own roles are plain names (they are always roles).
 */
export type Operation =
  | { readonly kind: 'createRole'; readonly role: Grantee; readonly purpose: RolePurpose; readonly drift?: boolean }
  | { readonly kind: 'dropRole'; readonly role: string; readonly drift?: boolean }
  | { readonly kind: 'grantMembership'; readonly roles: readonly string[]; readonly members: readonly Grantee[]; readonly drift?: boolean }
  | { readonly kind: 'revokeMembership'; readonly roles: readonly string[]; readonly members: readonly Grantee[]; readonly drift?: boolean }
  | {
      readonly kind: 'grant';
      readonly privileges: readonly Privilege[];
      readonly securables: readonly Securable[];
      readonly grantees: readonly Grantee[];
      readonly drift?: boolean;
    }
  | {
      readonly kind: 'revoke';
      readonly privileges: readonly Privilege[];
      readonly securables: readonly Securable[];
      readonly grantees: readonly Grantee[];
      /**
       * Revoke what this role granted, acting as it (PostgreSQL: a REVOKE only removes the ACL
       * items its issuer granted). Absent: what the system account granted.
       */
      readonly grantor?: string;
      /**
       * The revoked grant also reached objects outside Steward's scope (a MySQL database-level
       * grant over unprotected tables or other databases): the same privileges are granted to
       * the same grantees on these first, then the grant is revoked, so the grantees keep that
       * access and no prefix of the operation gives more than before. One securable per such
       * operation.
       */
      readonly narrowTo?: readonly Securable[];
      readonly drift?: boolean;
    }
  | {
      readonly kind: 'grantDefault';
      readonly database: string;
      readonly schema: string;
      readonly owner: string;
      readonly objects: DefaultObjects;
      readonly privileges: readonly Privilege[];
      readonly grantees: readonly Grantee[];
      readonly drift?: boolean;
    }
  | {
      readonly kind: 'revokeDefault';
      readonly database: string;
      readonly schema: string;
      readonly owner: string;
      readonly objects: DefaultObjects;
      readonly privileges: readonly Privilege[];
      readonly grantees: readonly Grantee[];
      readonly drift?: boolean;
    }
  | { readonly kind: 'setDefaultRole'; readonly user: Grantee; readonly role: string | null; readonly drift?: boolean }
  // --- data policies ---------------------------------------------------------------------------
  /** A secure-view change (view, profile rows, salts): see `src/domain/secure-view.ts`. */
  | { readonly kind: 'secureView'; readonly change: SecureViewChange; readonly drift?: boolean };

export type OperationKind = Operation['kind'];

/** An operation Steward cannot run with the system account's privileges, and why. */
export interface BlockedOperation {
  readonly operation: Operation;
  /** One line: why, and what an administrator can do about it. */
  readonly reason: string;
}

export interface Plan {
  readonly connection: string;
  readonly operations: readonly Operation[];
  /** Changes the policies call for that Steward cannot make (they are not in `operations`). */
  readonly blocked?: readonly BlockedOperation[];
  /** Revocations left out because the catalog has not seen their objects yet (sync first). */
  readonly unsynced?: number;
}

/** One SQL statement to run, on the named database (PostgreSQL: GRANT on a table must run there). */
export interface Statement {
  readonly sql: string;
  /** Database to run it in; null: the connection's default database (roles, memberships). */
  readonly database: string | null;
  /** Index of the operation it came from. */
  readonly op: number;
  /** Run as this role (`SET ROLE` around the statement, PostgreSQL): revoking another grantor's grant. */
  readonly runAs?: string;
  /** Bind parameters (data policies: profile rows, salts, view records); absent: none. */
  readonly params?: readonly unknown[];
  /** The parameters hold secrets (hash salts): shown and recorded as `***`. */
  readonly secret?: boolean;
}
