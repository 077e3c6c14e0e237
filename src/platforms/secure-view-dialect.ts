import { createHash } from 'node:crypto';
import type { Securable } from '../domain/access.js';
import type { ConnectionOptions } from '../domain/connection.js';
import type { Statement } from '../domain/plan.js';
import type { ProfileRow, SaltRow, SecureViewChange, SecureViewSpec } from '../domain/secure-view.js';
import { viewOwnerRole } from '../policy/secure-views.js';

/**
 * One statement of a secure-view change. Profile and salt rows travel as bind parameters;
 * view definitions cannot (DDL), so their values went through the dialect's literal function.
 */
export interface ParamStatement {
  readonly sql: string;
  /** Bind parameters, or null for a statement without any. */
  readonly params: readonly unknown[] | null;
  /** Database to run it in; null: the connection's default database. */
  readonly database: string | null;
  /** The parameters are secrets (hash salts): never shown or recorded. */
  readonly secret?: boolean;
}

/**
 * What each dialect compiles secure views to. Pure: same input, same SQL. Views are identified
 * by segments below the connection (`[db, schema, table]` or `[db, table]`); `system` is the
 * container of the profile, salt and view-state tables (`[db, schema]` or `[database]`).
 */
export interface SecureViewDialect {
  /** The CREATE statement of the view: its digest is the view's desired digest. */
  viewDefinition(spec: SecureViewSpec, owner: string): string;
  /**
   * (Re)build a view: create it (replacing what is there), owned by `owner`, readable by
   * `readers`, and record its desired digest and the server's rendered digest.
   */
  buildView(spec: SecureViewSpec, owner: string, readers: readonly string[]): ParamStatement[];
  /** Drop a view Steward built, and forget its digests (when `system` is not null). */
  dropView(view: readonly string[], system: readonly string[] | null): ParamStatement[];
  /** Teardown: drop a view container that holds nothing any more (RESTRICT where the platform has it). */
  dropContainer(container: readonly string[]): ParamStatement[];
  /** Teardown: drop Steward's profile, salt and view-state tables, the user_profile view, and their container. */
  dropSystem(system: readonly string[]): ParamStatement[];
  /** Create what a system container holds (idempotent): profile, salt and view-state tables, the user_profile view. */
  setupSystem(system: readonly string[], owner: string): ParamStatement[];
  /** Create a view container (schema or database) if missing. */
  setupContainer(container: readonly string[], owner: string): ParamStatement[];
  insertProfile(system: readonly string[], rows: readonly ProfileRow[]): ParamStatement[];
  deleteProfile(system: readonly string[], rows: readonly ProfileRow[]): ParamStatement[];
  putSalts(system: readonly string[], rows: readonly SaltRow[]): ParamStatement[];
  deleteSalts(system: readonly string[], names: readonly string[]): ParamStatement[];
  /** What the view owner must be granted SELECT on in a system container (beyond base tables). */
  ownerReads(system: readonly string[]): Securable[];
}

/** Hex SHA-256 of a statement's text: the desired digest of a view. */
export function definitionDigest(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/** Rows per INSERT / DELETE statement: bounded statement size, few round trips. */
export const ROWS_PER_STATEMENT = 500;

export function chunked<T>(items: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The statements of one secure-view change, in order. */
export function changeStatements(dialect: SecureViewDialect, change: SecureViewChange, owner: string): ParamStatement[] {
  switch (change.kind) {
    case 'setupSystem':
      return dialect.setupSystem(change.system, owner);
    case 'createViewContainer':
      return dialect.setupContainer(change.container, owner);
    case 'putSalts':
      return dialect.putSalts(change.system, change.rows);
    case 'deleteSalts':
      return dialect.deleteSalts(change.system, change.names);
    case 'deleteProfileRows':
      return dialect.deleteProfile(change.system, change.rows);
    case 'insertProfileRows':
      return dialect.insertProfile(change.system, change.rows);
    case 'buildView':
      return dialect.buildView(change.spec, owner, change.readers);
    case 'dropView':
      return dialect.dropView(change.view, change.system);
    case 'dropViewContainer':
      return dialect.dropContainer(change.container);
    case 'dropSystem':
      return dialect.dropSystem(change.system);
  }
}

/** A plan operation's secure-view change as plan statements (operation index, bind parameters). */
export function secureViewStatements(dialect: SecureViewDialect, change: SecureViewChange, op: number, options: Pick<ConnectionOptions, 'rolePrefix'>): Statement[] {
  return changeStatements(dialect, change, viewOwnerRole(options.rolePrefix)).map((s) => ({
    sql: s.sql,
    database: s.database,
    op,
    ...(s.params === null ? {} : { params: s.params }),
    ...(s.secret === true ? { secret: true } : {}),
  }));
}
