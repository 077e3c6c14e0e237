import type { AccessScope, AccessState, Privilege } from '../domain/access.js';
import type { CatalogSnapshot, CrawlOptions, OnCrawlSlice } from '../domain/catalog.js';
import type { ConnectionOptions, ConnectionSpec, PlatformType } from '../domain/connection.js';
import type { Plan, Statement } from '../domain/plan.js';
import type { SecureViewActual, SecureViewFootprint } from '../domain/secure-view.js';
import type { SecureViewDialect } from './secure-view-dialect.js';
import type { PrincipalNameRule } from '../domain/principal-name.js';

/** What the policy engine and planner need to know about a platform; core code reads flags, never types. */
export interface Capabilities {
  /** Securable levels from the top: PostgreSQL `database, schema, table`; MySQL `database, table`. */
  readonly hierarchy: readonly ('database' | 'schema' | 'table')[];
  /** DDL and GRANT can run inside a transaction that rolls back. */
  readonly transactionalDdl: boolean;
  /** Only one role is active per session (MariaDB): users get one personal default role. */
  readonly singleActiveRole: boolean;
  /** Users need a default role set to have their roles active at login (MySQL 8, MariaDB). */
  readonly defaultRoles: boolean;
  readonly maxRoleNameLength: number;
  readonly readPrivileges: readonly Privilege[];
  readonly writePrivileges: readonly Privilege[];
  /** Privileges a role needs on the containers of a table to reach it (CONNECT, USAGE). */
  readonly containerPrivileges: { readonly database: readonly Privilege[]; readonly schema: readonly Privilege[] };
  /** ALTER DEFAULT PRIVILEGES exists, so future tables can be covered before the next sync. */
  readonly defaultPrivileges: boolean;
  /**
   * Principals are accounts `'user'@'host'` (MySQL, MariaDB: a governed user's login is the
   * account at the connection's `hostPattern`) rather than plain roles (PostgreSQL).
   */
  readonly principalsAreAccounts: boolean;
  /** Writing a table whose column default calls `nextval` needs USAGE on that sequence. */
  readonly sequencePrivileges: boolean;
  /**
   * Grants on a whole database (`GRANT … ON db.*`: MySQL, MariaDB) reach its current and future
   * tables in one statement, which is how a policy over a whole protected database is granted
   * there (there are no default privileges). The name in such a grant is a LIKE pattern: each
   * character of `escaped` in a database name is written with a `\` before it, and the escaped
   * name must fit in `maxPatternLength` characters (else tables are granted one by one).
   * Absent: no database-level grants of table privileges.
   */
  readonly databaseGrants?: { readonly escaped: string; readonly maxPatternLength: number };
  /**
   * Policies given to whole groups reach their users through one role per group
   * (`<prefix>g_<group>`, member of those policies' roles): joining or leaving a group is one
   * membership, and a user holds one membership per group instead of one per policy role
   * (PostgreSQL: 50,000 users in 5,000 policies make ≈100,000 memberships, not ≈950,000).
   * MariaDB needs it too, since its GRANT of roles names one role. Where users have personal
   * roles (MariaDB), the group roles hang from those.
   */
  readonly groupRoles?: boolean;
  /**
   * What the platform does to login names (length, trimming, folding, reserved names): a
   * principal it would refuse or alter is refused where identities come in and gets nothing
   * where a template resolves it at plan time (see `principalNameProblem`).
   */
  readonly principalName: PrincipalNameRule;
}

/** URL parts that are safe to show: no password. */
export interface ParsedUrl {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string | null;
  /** The URL with its password replaced by `***`. */
  readonly redacted: string;
}

export interface PrivilegeCheck {
  /** What is needed, in words: "CREATEROLE", "SELECT on shop.*". */
  readonly what: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface CheckReport {
  readonly serverVersion: string;
  readonly user: string;
  readonly databases: readonly string[];
  readonly sync: readonly PrivilegeCheck[];
  readonly enforcement: readonly PrivilegeCheck[];
  /**
   * Least-privilege SQL an admin would run to give the account exactly what is missing, one
   * statement or `--` comment a line; comments say where and as whom what follows runs. On
   * PostgreSQL it also revokes earlier grants the account cannot revoke itself.
   */
  readonly grantSql: readonly string[];
  /** Privileges the account holds beyond what Steward needs (`ok` false), and what they allow. */
  readonly excess?: readonly PrivilegeCheck[];
  /** Plain sentences for whoever signs the grants off: what they imply, what Steward cannot do and why. */
  readonly notes?: readonly string[];
}

export interface StatementResult {
  readonly statement: Statement;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

export interface ExecuteResult {
  readonly results: readonly StatementResult[];
  /** Set when execution stopped early; statements of a rolled-back chunk are reported not ok. */
  readonly error?: string;
}

export interface ExecuteOptions {
  /** Name of the per-connection lock (advisory lock, GET_LOCK). */
  readonly lockKey: string;
  /** Statements per transaction where transactions exist. */
  readonly chunkSize?: number;
  readonly onStatement?: (result: StatementResult) => void;
}

/** A lock taken with `PlatformSession.lock`; release it exactly once. */
export interface HeldLock {
  release(): Promise<void>;
}

/** An open session on one connection, holding whatever pools it needs (one per database on PostgreSQL). */
export interface PlatformSession {
  /** Crawl the catalog; `under` limits it to a subtree (segments below the connection). */
  introspect(opts?: { readonly under?: readonly string[] }): Promise<CatalogSnapshot>;
  /**
   * The same crawl, handed to `onSlice` a slice at a time as the catalog is read (the returned
   * snapshot then has no objects, only its roots): sync stores one slice while the server reads
   * the next. With `opts.known`, objects whose crawl digest is unchanged are named, not read.
   * Optional; sync uses `introspect` where it is absent.
   */
  introspectSlices?(opts: CrawlOptions, onSlice: OnCrawlSlice): Promise<CatalogSnapshot>;
  /** The system account's privileges for sync and for enforcement, and the SQL to grant what is missing. */
  check(opts?: CheckOptions): Promise<CheckReport>;
  /** Everything in `scope`, in the neutral model. */
  readActualState(scope: AccessScope): Promise<AccessState>;
  /**
   * Take the connection's lock (PostgreSQL advisory lock, MySQL GET_LOCK) for a whole
   * reconcile — from reading the actual state until the applied state is recorded — so that two
   * applies never interleave. Reentrant: `execute` under a held lock takes it again and gives it
   * back. Throws StewardError('locked') after waiting in vain.
   */
  lock(key: string): Promise<HeldLock>;
  /** Run compiled statements under the connection's lock; transactional in chunks where the platform allows. */
  execute(statements: readonly Statement[], opts: ExecuteOptions): Promise<ExecuteResult>;
  close(): Promise<void>;
  // --- data policies (platforms with `secureViews`) --------------------------------------------
  /** What Steward's secure-view objects look like now, among the candidate containers. */
  readSecureViews?(candidates: SecureViewCandidates): Promise<SecureViewActual>;
  /**
   * Teardown: every secure view, view container and system container Steward made on this
   * connection (`systems`: the system containers it may have; `containers`: view containers
   * the current options point at; `owner`: the view-owner role), and which of them hold only
   * Steward's objects.
   */
  readSecureViewFootprint?(where: SecureViewCandidates & { readonly owner: string }): Promise<SecureViewFootprint>;
  /** Regular expressions the server's own engine refuses, with its reason. */
  checkRegexes?(patterns: readonly string[]): Promise<{ readonly pattern: string; readonly error: string }[]>;
}

/** What the configuration asks of a connection beyond access, for `check`. */
export interface CheckOptions {
  /**
   * Data policies reach the connection: advise what secure views need. `bases`: the tables
   * (segments below the connection) the views go over; null: not known (catalog not synced),
   * every governed table may get one.
   */
  readonly dataPolicies?: { readonly bases: readonly (readonly string[])[] | null };
}

/** Where to look for secure-view state: system containers and view containers (segments). */
export interface SecureViewCandidates {
  readonly systems: readonly (readonly string[])[];
  readonly containers: readonly (readonly string[])[];
}

/** One interface per platform; a registry typed by PlatformType makes a missing one a compile error. */
export interface Platform {
  readonly type: PlatformType;
  readonly capabilities: Capabilities;
  /** Validate a connection URL; throws StewardError('invalid_input') naming the problem. */
  parseUrl(url: string): ParsedUrl;
  /** The one identifier-quoting function of this dialect. */
  quoteIdent(name: string): string;
  /** Pure: compile a plan to the exact SQL that apply would run. */
  compile(plan: Plan, options: ConnectionOptions): Statement[];
  /** Connect with the system account; throws StewardError('connection_failed') with a hint. */
  connect(spec: ConnectionSpec): Promise<PlatformSession>;
  /** Data policies: the secure-view dialect; absent where masks and row filters are not enforced yet. */
  readonly secureViews?: SecureViewDialect;
}
