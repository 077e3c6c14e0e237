import { granteeKey, type AccessState, type RolePurpose, type Securable } from '../domain/access.js';
import type { BlockedOperation, Operation, Plan } from '../domain/plan.js';
import type { Capabilities } from '../platforms/platform.js';
import { cmp, compareGrantees } from '../domain/canonical-state.js';
import { diffGrants } from './grant-diff.js';
import { driftFlag, groupDefaults, groupGrants, groupMemberships, type DefaultChange, type MembershipChange } from './group-operations.js';
import { atomsOf, privilegesOf, type DefaultAtoms, type StateAtoms } from './state-atoms.js';
import { membershipReach } from './reach.js';

export { filterDrift } from './filter-drift.js';
export { countManagedAccess, revocationRatio } from './safety.js';

export interface PlanOptions {
  readonly connection: string;
  /** The desired state of the last successful apply; null when there is none. */
  readonly lastApplied: AccessState | null;
  /** Not needed by the set arithmetic today; kept so that platform limits can shape plans. */
  readonly capabilities?: Capabilities;
  /**
   * Does the catalog know this object? Revocations on objects it has not seen yet are left
   * out (counted in `unsynced`) unless their holder is a role being dropped. Default: all known.
   */
  readonly isKnown?: (s: Securable) => boolean;
}

const MANAGED: ReadonlySet<RolePurpose> = new Set(['policy', 'personal', 'group']);

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
 * Grantors: a revocation of privileges another role granted runs as that role (`grantor`);
 * when the actual state says the system account cannot act as it (`blockedGrantors`), the
 * revocation goes to `blocked` with the reason instead of into the operations — never a
 * statement that would run, report success and change nothing. Default privileges are set as
 * their owner: for an owner out of reach, revoking them is blocked and granting them is not
 * planned.
 *
 * Order, so that stopping after any statement (MySQL has no transactional DDL) never leaves
 * access that neither the old nor the new state allows: every revocation comes before every
 * grant, and privileges are granted to a role before members are added to it.
 * 1 default roles that change are unset · 2 revoke memberships · 3 revoke privileges, then
 * default privileges · 4 drop roles · 5 create roles · 6 grant privileges, then default
 * privileges · 7 grant memberships · 8 revoke the memberships whose member still reaches the
 * role through the desired memberships ("rerouted": a user moved from a policy role into the
 * group role that is its member) · 9 set default roles.
 * Step 8 is safe where it is: from step 7 on, every membership present is either desired or one
 * of those, whose member reaches the role in the desired state anyway, and every privilege
 * present is desired; so no path gives anyone more than the desired state, and the member keeps
 * the role's access throughout (no gap while a large plan runs chunk after chunk).
 */
export function planChanges(actual: AccessState, desired: AccessState, opts: PlanOptions): Plan {
  const A = atomsOf(actual);
  const D = atomsOf(desired);
  const L = opts.lastApplied === null ? null : atomsOf(opts.lastApplied);

  const unsetDefaults: Operation[] = [];
  const setDefaults: Operation[] = [];
  const isManaged = (role: string): boolean => MANAGED.has(A.roles.get(role)?.purpose ?? D.roles.get(role)?.purpose ?? 'principal');
  for (const key of sortedUnion(A.defaultRoles.keys(), D.defaultRoles.keys())) {
    const a = A.defaultRoles.get(key) ?? null;
    const d = D.defaultRoles.get(key) ?? null;
    if (a?.role === d?.role) continue;
    const user = (a ?? d)!.user;
    const last = L?.defaultRoles.get(key)?.role ?? null;
    // A default role Steward did not make (not a policy/personal role) is left alone unless
    // the desired state sets one.
    if (a !== null && isManaged(a.role)) unsetDefaults.push({ kind: 'setDefaultRole', user, role: null, ...driftFlag(last !== a.role) });
    if (d !== null) setDefaults.push({ kind: 'setDefaultRole', user, role: d.role, ...driftFlag(last === d.role) });
  }

  const revokeMemberships: MembershipChange[] = [];
  const grantMemberships: MembershipChange[] = [];
  membershipChanges(A, D, L, revokeMemberships, 'revoke');
  membershipChanges(D, A, L, grantMemberships, 'grant');
  // A membership whose member keeps reaching the role another way in the desired state (a user
  // moved from a policy role into the group role that is its member) is revoked last, after
  // the new way is granted: the member never loses that access in between.
  const rerouted: MembershipChange[] = [];
  if (revokeMemberships.length > 0) {
    const reachesInDesired = membershipReach(D.memberships);
    let kept = 0;
    for (const c of revokeMemberships) {
      if (reachesInDesired(c.role, granteeKey(c.member))) rerouted.push(c);
      else revokeMemberships[kept++] = c;
    }
    revokeMemberships.length = kept;
  }

  const diffed = diffGrants(actual.grants, desired.grants, opts.lastApplied?.grants ?? null);
  const { grants } = diffed;
  // Roles about to be dropped must give up everything first, known objects or not.
  const dropping = new Set([...A.roles.values()].filter((r) => MANAGED.has(r.purpose) && !D.roles.has(granteeKey(r.grantee))).map((r) => granteeKey(r.grantee)));
  let unsynced = 0;
  const isKnown = opts.isKnown;
  const revokes =
    isKnown === undefined
      ? diffed.revokes
      : diffed.revokes.filter((c) => {
          if (isKnown(c.securable) || dropping.has(granteeKey(c.grantee))) return true;
          unsynced++;
          return false;
        });

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

  const dropRoles: Operation[] = [...A.roles.values()]
    .filter((r) => MANAGED.has(r.purpose) && r.grantee.kind === 'role' && !D.roles.has(granteeKey(r.grantee)))
    .map((r) => (r.grantee as { name: string }).name)
    .sort(cmp)
    // Dropping a role the last apply did not have (made by hand under our prefix) is drift.
    .map((role) => ({ kind: 'dropRole', role, ...driftFlag(L?.roles.has(role) !== true) }));
  const createRoles: Operation[] = [...D.roles.entries()]
    .filter(([key]) => !A.roles.has(key))
    .sort((x, y) => compareGrantees(x[1].grantee, y[1].grantee))
    .map(([, r]) => ({ kind: 'createRole', role: r.grantee, purpose: r.purpose }));

  const blockedBy = new Map((actual.blockedGrantors ?? []).map((b) => [b.grantor, b.reason]));
  const blocked: BlockedOperation[] = [];
  // Revocations the actual state says the system account cannot make (MySQL: a foreign
  // database-level grant on a wildcard pattern) are reported, never run.
  const byReason = new Map<string, typeof revokes>();
  for (const c of revokes) if (c.revokeBlocked !== undefined) byReason.set(c.revokeBlocked, [...(byReason.get(c.revokeBlocked) ?? []), c]);
  for (const [reason, changes] of byReason) for (const operation of groupGrants('revoke', changes)) blocked.push({ operation, reason });
  const revokeOps = groupGrants('revoke', revokes.filter((c) => c.revokeBlocked === undefined)).filter((op) => {
    const reason = op.kind === 'revoke' && op.grantor !== undefined ? blockedBy.get(op.grantor) : undefined;
    if (reason === undefined) return true;
    blocked.push({ operation: op, reason });
    return false;
  });

  // Default privileges are changed FOR ROLE <owner>, acting as the owner: for an owner the
  // account cannot act as, existing ones are blocked, and new ones are not planned (its future
  // tables get their grants at the next sync; `connection check` says so).
  const revokeDefaultOps = groupDefaults('revokeDefault', revokeDefaults).filter((op) => {
    const reason = op.kind === 'revokeDefault' ? blockedBy.get(op.owner) : undefined;
    if (reason === undefined) return true;
    blocked.push({ operation: op, reason });
    return false;
  });
  const grantDefaultOps = groupDefaults('grantDefault', grantDefaults).filter((op) => !(op.kind === 'grantDefault' && blockedBy.has(op.owner)));

  return {
    connection: opts.connection,
    operations: [
      ...unsetDefaults,
      ...groupMemberships('revokeMembership', revokeMemberships),
      ...revokeOps,
      ...revokeDefaultOps,
      ...dropRoles,
      ...createRoles,
      ...groupGrants('grant', grants),
      ...grantDefaultOps,
      ...groupMemberships('grantMembership', grantMemberships),
      ...groupMemberships('revokeMembership', rerouted),
      ...setDefaults,
    ],
    ...(blocked.length > 0 ? { blocked } : {}),
    ...(unsynced > 0 ? { unsynced } : {}),
  };
}

/** Memberships in `from` and not in `to`; drift relative to the last apply `L`. */
function membershipChanges(from: StateAtoms, to: StateAtoms, L: StateAtoms | null, out: MembershipChange[], what: 'grant' | 'revoke'): void {
  for (const [role, members] of from.memberships) {
    const there = to.memberships.get(role);
    const last = L?.memberships.get(role);
    for (const [key, member] of members) {
      if (there?.has(key) === true) continue;
      const inLast = last?.has(key) === true;
      out.push({ role, member, drift: what === 'revoke' ? !inLast : inLast });
    }
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
  return { database: d.database, schema: d.schema, owner: d.owner, objects: d.objects, grantee: d.grantee };
}

function sortedUnion(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort(cmp);
}
