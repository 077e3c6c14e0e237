/** Registered connections: what the store keeps and the platforms receive. */

export type PlatformType = 'postgres' | 'mysql' | 'mariadb' | 'redshift';
export const PLATFORM_TYPES: readonly PlatformType[] = ['postgres', 'mysql', 'mariadb', 'redshift'];

export interface ConnectionOptions {
  /** Databases to sync; null: every database the system account can connect to. */
  readonly databases: readonly string[] | null;
  /** Path globs (starting with the connection name) under governance. */
  readonly protect: readonly string[];
  /** Principal template for users without an explicit mapping: `{user}`, `{email}`, `{email.local}`. */
  readonly principalTemplate: string;
  /** `enforce`: revert drift on apply; `report`: show it, leave it. */
  readonly drift: 'enforce' | 'report';
  /** `enforce`: run plans; `notify`: compute and record plans, run nothing. */
  readonly mode: 'enforce' | 'notify';
  /** MySQL/MariaDB account host of governed users. */
  readonly hostPattern: string;
  /** Grantees Steward never revokes from on protected objects. */
  readonly ignoreGrantees: readonly string[];
  /** Prefix of every role Steward creates; default `steward_<connection>__` (see defaultRolePrefix). */
  readonly rolePrefix: string;
  /** Background jobs of `steward serve` for this connection; absent fields take the server's defaults. */
  readonly schedule?: ConnectionSchedule;
  /** Where secure views (masks, row filters) live; defaults in `src/policy/secure-locations.ts`. */
  readonly views?: SecureViewOptions;
}

/** Durations like `30s`, `5m`, `1h`; `0` or `off` turns that job off for the connection. */
export interface ConnectionSchedule {
  /** Object sync (then reconcile). */
  readonly sync?: string;
  /** Drift check: sync, then plan and revert (or report) what differs. */
  readonly drift?: string;
}

/** Placement of secure views and of Steward's profile table; see INTERFACE.md. */
export interface SecureViewOptions {
  /** PostgreSQL: schema of the views of `db/schema/*`, with `{schema}` (and optionally `{database}`). */
  readonly schema?: string;
  /** MySQL/MariaDB: database of the views of `db/*`, with `{database}`. */
  readonly database?: string;
  /** Schema (PostgreSQL, in each database) or database (MySQL/MariaDB) of the profile table. */
  readonly system?: string;
  /** Salt of hash masks that do not name their own. */
  readonly hashSalt?: string;
}

export const DEFAULT_OPTIONS: ConnectionOptions = {
  databases: null,
  protect: [],
  principalTemplate: '{user}',
  drift: 'enforce',
  mode: 'enforce',
  hostPattern: '%',
  ignoreGrantees: [],
  rolePrefix: 'steward_',
};

/** A connection with its decrypted URL: only ever held in memory, never logged. */
export interface ConnectionSpec {
  readonly name: string;
  readonly type: PlatformType;
  readonly url: string;
  readonly options: ConnectionOptions;
}

/**
 * Connection names are path segments and role-name material: lowercase letters and digits in
 * words joined by single underscores. No `__` and no trailing `_`, so that one connection's
 * default role prefix (`steward_<name>__`) can never be a prefix of another's.
 */
export const CONNECTION_NAME_RE = /^(?=.{1,40}$)[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/**
 * Roles live server-wide (PostgreSQL cluster, MySQL server), so two connections to one server
 * must never claim each other's roles: the default prefix carries the connection name.
 */
export function defaultRolePrefix(connection: string): string {
  return `steward_${connection}__`;
}

/**
 * Another connection whose role prefix nests with `prefix` (equal to it, or the beginning of
 * one of the two), or undefined. A connection takes every role under its prefix as its own: on
 * one server, a nested prefix would let one connection revoke and drop the other's roles. Two
 * URLs do not tell whether they reach the same server, so prefixes must not nest at all. The
 * default prefixes never do (see `CONNECTION_NAME_RE`); only chosen ones can.
 */
export function nestedPrefix<T extends { readonly name: string; readonly rolePrefix: string }>(
  name: string,
  prefix: string,
  others: Iterable<T>,
): T | undefined {
  for (const o of others) {
    if (o.name !== name && (o.rolePrefix.startsWith(prefix) || prefix.startsWith(o.rolePrefix))) return o;
  }
  return undefined;
}

/** The error for a role prefix that nests with another connection's (see `nestedPrefix`). */
export function nestedPrefixProblem(prefix: string, other: { readonly name: string; readonly rolePrefix: string }): { problem: string; hint: string } {
  return {
    problem:
      `"${prefix}" ${prefix === other.rolePrefix ? 'is' : 'nests with'} the role prefix of connection "${other.name}" ("${other.rolePrefix}"): ` +
      'each connection takes every role under its prefix as its own, so on one server either would revoke and drop the other\'s roles',
    hint: `give each connection a prefix that neither begins nor is begun by another's; the default, steward_<name>__, never nests`,
  };
}
