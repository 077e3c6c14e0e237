import type { AccessState, RolePurpose } from '../domain/access.js';
import type { Operation, Plan } from '../domain/plan.js';
import type { Capabilities } from '../platforms/platform.js';
import { cmp } from '../domain/canonical-state.js';
import { diffGrants } from './grant-diff.js';
import { driftFlag, groupDefaults, groupGrants, groupMemberships, type DefaultChange, type MembershipChange } from './group-operations.js';
import { atomsOf, privilegesOf, type DefaultAtoms, type StateAtoms } from './state-atoms.js';

export { filterDrift } from './filter-drift.js';
export { countManagedAccess, revocationRatio } from './safety.js';

export interface PlanOptions {
  readonly connection: string;
  /** The desired state of the last successful apply; null when there is none. */
  readonly lastApplied: AccessState | null;
  /** Not needed by the set arithmetic today; kept so that platform limits can shape plans. */
  readonly capabilities?: Capabilities;
}

const MANAGED: ReadonlySet<RolePurpose> = new Set(['policy', 'personal']);

/**
 * The ordered operations that turn `actual` into `desired`: set arithmetic on atoms (role,
 * membership, one privilege of a grantee on a securable, one default privilege, default role),
 * grouped into few operations (see `group-operations.ts`).
 *
 * Drift: revoking an atom the last apply did not grant, or granting again an atom the last
 * apply did grant (someone revoked it by hand), is marked `drift: true`. With no last apply,
 * every revocation is drift (nothing there was Steward's doing).
 *
 * Roles: only roles of purpose policy/personal that are not desired are dropped; principals
 * (users' logins) are created when missing and never dropped. `createRole` is never drift: a
 * role grants nothing by itself, and report mode must still be able to grant to it.
 *
 * Order, so that stopping after any statement (MySQL has no transactional DDL) never leaves
 * access that neither the old nor the new state allows: every revocation comes before every
 * grant, and privileges are granted to a role before members are added to it.
 * 1 default roles that change are unset · 2 revoke memberships · 3 revoke privileges, then
 * default privileges · 4 drop roles · 5 create roles · 6 grant privileges, then default
 * privileges · 7 grant memberships · 8 set default roles.
 */
export function planChanges(actual: AccessState, desired: AccessState, opts: PlanOptions): Plan {
  const A = atomsOf(actual);
  const D = atomsOf(desired);
  const L = opts.lastApplied === null ? null : atomsOf(opts.lastApplied);

  const unsetDefaults: Operation[] = [];
  const setDefaults: Operation[] = [];
  const isManaged = (role: string): boolean => MANAGED.has(A.roles.get(role) ?? D.roles.get(role) ?? 'principal');
  for (const user of sortedUnion(A.defaultRoles.keys(), D.defaultRoles.keys())) {
    const a = A.defaultRoles.get(user) ?? null;
    const d = D.defaultRoles.get(user) ?? null;
    if (a === d) continue;
    // A default role Steward did not make (not a policy/personal role) is left alone unless
    // the desired state sets one.
    if (a !== null && isManaged(a)) unsetDefaults.push({ kind: 'setDefaultRole', user, role: null, ...driftFlag(L?.defaultRoles.get(user) !== a) });
    if (d !== null) setDefaults.push({ kind: 'setDefaultRole', user, role: d, ...driftFlag(L?.defaultRoles.get(user) === d) });
  }

  const revokeMemberships: MembershipChange[] = [];
  const grantMemberships: MembershipChange[] = [];
  membershipChanges(A, D, L, revokeMemberships, 'revoke');
  membershipChanges(D, A, L, grantMemberships, 'grant');

  const { revokes, grants } = diffGrants(actual.grants, desired.grants, opts.lastApplied?.grants ?? null);

  const revokeDefaults: DefaultChange[] = [];
  const grantDefaults: DefaultChange[] = [];
  for (const [key, a] of A.defaults) {
    const gone = a.mask & ~(D.defaults.get(key)?.mask ?? 0);
    if (gone === 0) continue;
    const last = L?.defaults.get(key)?.mask ?? 0;
    for (const [mask, drift] of split(gone, ~last)) revokeDefaults.push({ ...withoutMask(a), privileges: privilegesOf(mask), drift });
  }
  for (const [key, d] of D.defaults) {
    const missing = d.mask & ~(A.defaults.get(key)?.mask ?? 0);
    if (missing === 0) continue;
    const last = L?.defaults.get(key)?.mask ?? 0;
    for (const [mask, drift] of split(missing, last)) grantDefaults.push({ ...withoutMask(d), privileges: privilegesOf(mask), drift });
  }

  const dropRoles: Operation[] = [...A.roles]
    .filter(([name, purpose]) => MANAGED.has(purpose) && !D.roles.has(name))
    .map(([name]) => name)
    .sort(cmp)
    // Dropping a role the last apply did not have (made by hand under our prefix) is drift.
    .map((role) => ({ kind: 'dropRole', role, ...driftFlag(L?.roles.has(role) !== true) }));
  const createRoles: Operation[] = [...D.roles]
    .filter(([name]) => !A.roles.has(name))
    .sort((x, y) => cmp(x[0], y[0]))
    .map(([role, purpose]) => ({ kind: 'createRole', role, purpose }));

  return {
    connection: opts.connection,
    operations: [
      ...unsetDefaults,
      ...groupMemberships('revokeMembership', revokeMemberships),
      ...groupGrants('revoke', revokes),
      ...groupDefaults('revokeDefault', revokeDefaults),
      ...dropRoles,
      ...createRoles,
      ...groupGrants('grant', grants),
      ...groupDefaults('grantDefault', grantDefaults),
      ...groupMemberships('grantMembership', grantMemberships),
      ...setDefaults,
    ],
  };
}

/** Memberships in `from` and not in `to`; drift relative to the last apply `L`. */
function membershipChanges(from: StateAtoms, to: StateAtoms, L: StateAtoms | null, out: MembershipChange[], what: 'grant' | 'revoke'): void {
  for (const key of from.memberships) {
    if (to.memberships.has(key)) continue;
    const [role, member] = key.split('\u0000') as [string, string];
    const inLast = L !== null && L.memberships.has(key);
    out.push({ role, member, drift: what === 'revoke' ? !inLast : inLast });
  }
}

/** Split a privilege mask into its drift and non-drift parts: `[mask, drift]`, non-empty only. */
function split(mask: number, driftBits: number): [number, boolean][] {
  const drift = mask & driftBits;
  const plain = mask & ~driftBits;
  const out: [number, boolean][] = [];
  if (plain !== 0) out.push([plain, false]);
  if (drift !== 0) out.push([drift, true]);
  return out;
}

function withoutMask(d: DefaultAtoms): Omit<DefaultChange, 'privileges' | 'drift'> {
  return { database: d.database, schema: d.schema, owner: d.owner, grantee: d.grantee };
}

function sortedUnion(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort(cmp);
}
