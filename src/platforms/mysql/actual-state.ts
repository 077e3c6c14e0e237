import { purposeOfRoleName } from '../../policy/role-names.js';
import {
  granteeLabel,
  isIgnoredGrantee,
  sortPrivileges,
  type AccessScope,
  type AccessState,
  type DefaultRole,
  type Grant,
  type Membership,
  type Privilege,
  type RolePurpose,
  type RoleSpec,
} from '../../domain/access.js';
import { granteeOfAccount } from './account-name.js';
import { columnGrantsQuery, databaseGrantsQuery, membershipsQuery, principalsQuery, rolesQuery, tableGrantsQuery } from './actual-state.sql.js';
import { databaseGrantsInScope, type DatabaseGrantRow } from './database-grants.js';
import { traitsOf, type Dialect } from './dialect.js';
import { text, type QueryFn, type Row } from './query.js';
import { canonicalizeState, cmp, compareGrantees } from '../../domain/canonical-state.js';

/** What the reader needs besides the scope. */
export interface ActualStateInput {
  readonly dialect: Dialect;
  readonly hostPattern: string;
  /** The account Steward connects as (`CURRENT_USER()`): its own grants are never in scope. */
  readonly systemAccount: { readonly user: string; readonly host: string };
}

/** Privilege-table spellings of the privileges the neutral model knows; others are not Steward's. */
const TABLE_PRIVILEGES: Readonly<Record<string, Privilege>> = { Select: 'SELECT', Insert: 'INSERT', Update: 'UPDATE', Delete: 'DELETE' };
const DB_COLUMNS: readonly (readonly [string, Privilege])[] = [
  ['s', 'SELECT'],
  ['i', 'INSERT'],
  ['u', 'UPDATE'],
  ['d', 'DELETE'],
];

/** Bind lists stay well under the protocol's 65,535 placeholders. */
const CHUNK = 5000;

async function queryChunked(query: QueryFn, items: readonly string[], make: (chunk: readonly string[]) => Parameters<QueryFn>[0]): Promise<Row[]> {
  if (items.length === 0) return [];
  const out: Row[] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(...(await query(make(items.slice(i, i + CHUNK)))));
  return out;
}

/** `Select,Insert,Alter` → the neutral privileges among them, sorted. */
function privilegeSet(value: unknown): Privilege[] {
  const out: Privilege[] = [];
  for (const p of text(value).split(',')) {
    const known = TABLE_PRIVILEGES[p];
    if (known !== undefined) out.push(known);
  }
  return sortPrivileges(out);
}

/**
 * Read what the server says about everything in `scope`, in the neutral model: Steward roles,
 * the principals that exist, memberships of Steward roles, default roles of principals, every
 * grant on protected tables and their columns (whoever holds it: a hand-made grant there is
 * drift), every database-level grant reaching a protected table (see `databaseGrantsInScope`),
 * and Steward roles' grants anywhere. One query per kind.
 */
export async function readActualState(query: QueryFn, scope: AccessScope, input: ActualStateInput): Promise<AccessState> {
  const { dialect, systemAccount: me } = input;
  const prefix = scope.rolePrefix;
  const roleHost = traitsOf(dialect).roleHost;
  const granteeOf = (user: string, host: string) => granteeOfAccount(user, host, dialect, prefix);
  const ignored = new Set(scope.ignoredGrantees);
  const isMe = (user: string, host: string): boolean => user === me.user && host === me.host;
  const skip = (user: string, host: string): boolean => isMe(user, host) || isIgnoredGrantee(granteeOf(user, host), ignored);
  const ownRole = (user: string, host: string): boolean => host === roleHost && user.startsWith(prefix);
  const purposeOf = (name: string): RolePurpose => purposeOfRoleName(name, prefix);

  // Names cannot hold NUL: `db \0 table` is an exact key.
  const protectedTables = new Set<string>();
  const tableDbs = new Set<string>();
  for (const s of scope.protectedTables) {
    if (s.kind !== 'table' || s.segments.length !== 2) continue;
    protectedTables.add(`${s.segments[0]!}\u0000${s.segments[1]!}`);
    tableDbs.add(s.segments[0]!);
  }
  const principals = [...new Set(scope.principals.flatMap((p) => (p.kind === 'account' ? [p.user] : [])))];

  const [roleRows, principalRows, memberRows, tableRows, dbRows, columnRows] = await Promise.all([
    query(rolesQuery(dialect, prefix)),
    queryChunked(query, principals, (chunk) => principalsQuery(dialect, input.hostPattern, chunk)),
    query(membershipsQuery(dialect, prefix)),
    query(tableGrantsQuery([...tableDbs], prefix)),
    query(databaseGrantsQuery()),
    query(columnGrantsQuery([...tableDbs], prefix)),
  ]);

  const roles: RoleSpec[] = roleRows.map((r) => {
    const name = text(r.name);
    return { grantee: granteeOf(name, roleHost), purpose: purposeOf(name) };
  });
  const defaultRoles: DefaultRole[] = [];
  const seenPrincipals = new Set<string>();
  for (const r of principalRows) {
    const name = text(r.name);
    const user = granteeOf(name, input.hostPattern);
    if (!seenPrincipals.has(name)) roles.push({ grantee: user, purpose: 'principal' });
    seenPrincipals.add(name);
    const role = text(r.role);
    // No row / an empty default_role is "no default role": absence in the neutral model. A
    // default role that is not a Steward role is named by its label: only compared, never granted.
    if (role !== '') defaultRoles.push({ user, role: granteeLabel(granteeOf(role, dialect === 'mariadb' ? '' : text(r.role_host))) });
  }

  const memberships: Membership[] = [];
  for (const r of memberRows) {
    const user = text(r.user);
    const host = text(r.host);
    const member = granteeOf(user, host);
    // MariaDB makes the creator of a role its admin (a roles_mapping row with Admin_option='Y');
    // that row is what lets Steward grant the role later, so it is not a managed membership.
    if (text(r.admin) === 'Y' && (isMe(user, host) || isIgnoredGrantee(member, ignored))) continue;
    memberships.push({ role: text(r.role), member });
  }

  const grants: Grant[] = [];
  // Any grantee on a protected table (or its columns); Steward's own roles on any table.
  const inScope = (db: string, table: string, user: string, host: string): boolean =>
    (ownRole(user, host) || protectedTables.has(`${db}\u0000${table}`)) && !skip(user, host);
  for (const r of tableRows) {
    const db = text(r.db);
    const table = text(r.tbl);
    const user = text(r.user);
    const host = text(r.host);
    if (!inScope(db, table, user, host)) continue;
    const privileges = privilegeSet(r.privs);
    if (privileges.length > 0) grants.push({ securable: { kind: 'table', segments: [db, table] }, grantee: granteeOf(user, host), privileges });
  }
  for (const r of columnRows) {
    const db = text(r.db);
    const table = text(r.tbl);
    const user = text(r.user);
    const host = text(r.host);
    if (!inScope(db, table, user, host)) continue;
    const privileges = privilegeSet(r.privs);
    if (privileges.length > 0) grants.push({ securable: { kind: 'column', segments: [db, table, text(r.col)] }, grantee: granteeOf(user, host), privileges });
  }
  const dbGrants: DatabaseGrantRow[] = dbRows.map((r) => ({
    pattern: text(r.db),
    user: text(r.user),
    host: text(r.host),
    privileges: DB_COLUMNS.filter(([col]) => text(r[col]) === 'Y').map(([, p]) => p),
  }));
  grants.push(...(await databaseGrantsInScope(query, dbGrants, { scope, granteeOf, ownRole, skip })));

  // Canonical order (grants merged per grantee); MySQL 8 may list several default roles per user: all kept.
  const canonical = canonicalizeState({ roles, memberships, grants, defaultGrants: [], defaultRoles: [] });
  defaultRoles.sort((a, b) => compareGrantees(a.user, b.user) || cmp(a.role ?? '', b.role ?? ''));
  return { ...canonical, defaultRoles };
}
