import type { Privilege, RolePurpose, Securable } from './access.js';

/**
 * A plan is plain immutable data: ordered, platform-neutral operations tagged by `kind`.
 * Compiling it to SQL is a pure function of the platform; apply runs only compiled statements.
 */
export type Operation =
  | { readonly kind: 'createRole'; readonly role: string; readonly purpose: RolePurpose; readonly drift?: boolean }
  | { readonly kind: 'dropRole'; readonly role: string; readonly drift?: boolean }
  | { readonly kind: 'grantMembership'; readonly roles: readonly string[]; readonly members: readonly string[]; readonly drift?: boolean }
  | { readonly kind: 'revokeMembership'; readonly roles: readonly string[]; readonly members: readonly string[]; readonly drift?: boolean }
  | {
      readonly kind: 'grant';
      readonly privileges: readonly Privilege[];
      readonly securables: readonly Securable[];
      readonly grantees: readonly string[];
      readonly drift?: boolean;
    }
  | {
      readonly kind: 'revoke';
      readonly privileges: readonly Privilege[];
      readonly securables: readonly Securable[];
      readonly grantees: readonly string[];
      readonly drift?: boolean;
    }
  | {
      readonly kind: 'grantDefault';
      readonly database: string;
      readonly schema: string;
      readonly owner: string;
      readonly privileges: readonly Privilege[];
      readonly grantees: readonly string[];
      readonly drift?: boolean;
    }
  | {
      readonly kind: 'revokeDefault';
      readonly database: string;
      readonly schema: string;
      readonly owner: string;
      readonly privileges: readonly Privilege[];
      readonly grantees: readonly string[];
      readonly drift?: boolean;
    }
  | { readonly kind: 'setDefaultRole'; readonly user: string; readonly role: string | null; readonly drift?: boolean };

export type OperationKind = Operation['kind'];

export interface Plan {
  readonly connection: string;
  readonly operations: readonly Operation[];
}

/** One SQL statement to run, on the named database (PostgreSQL: GRANT on a table must run there). */
export interface Statement {
  readonly sql: string;
  /** Database to run it in; null: the connection's default database (roles, memberships). */
  readonly database: string | null;
  /** Index of the operation it came from. */
  readonly op: number;
}
