import { EMPTY_STATE, granteeKey, type AccessState, type Grantee } from '../domain/access.js';
import { membershipReach } from './reach.js';
import { atomsOf } from './state-atoms.js';
import type { Plan } from '../domain/plan.js';

/** Is this grantee one of Steward's own roles (policy or personal), by the connection's prefix? */
export type ManagedGrantee = (g: Grantee) => boolean;

export const managedBy = (rolePrefix: string): ManagedGrantee => (g) => g.kind === 'role' && g.name.startsWith(rolePrefix);

/**
 * How much access Steward manages in a state, in atoms: one per membership in its roles, one
 * per privilege a Steward role holds on a securable. Grants others hold (a hand-made grant on a
 * protected table) are drift, not access Steward manages: they do not count, so a first apply
 * on a database full of foreign grants is not mistaken for a wipe. Default privileges and
 * roles are left out: they give nobody access by themselves.
 */
export function countManagedAccess(state: AccessState, managed: ManagedGrantee): number {
  let n = state.memberships.length;
  for (const g of state.grants) if (managed(g.grantee)) n += g.privileges.length;
  return n;
}

/**
 * The share (0..1) of the managed access in `actual` that a plan revokes, counted in the same
 * atoms as `countManagedAccess`. The safety valve refuses plans above one half: a broken
 * identity feed or an emptied policy file must not wipe a connection's access silently.
 * An `actual` with no managed access revokes nothing (0). With `desired`, a membership revoked
 * while its member still reaches the role in `desired` (moved into a group's role) takes no
 * access away and does not count: moving every user of a connection into group roles is not a wipe.
 */
export function revocationRatio(plan: Plan, actual: AccessState, managed: ManagedGrantee, desired?: AccessState): number {
  const total = countManagedAccess(actual, managed);
  if (total === 0) return 0;
  let reaches: ((role: string, memberKey: string) => boolean) | undefined;
  let revoked = 0;
  for (const op of plan.operations) {
    if (op.kind === 'revokeMembership') {
      if (desired === undefined) {
        revoked += op.roles.length * op.members.length;
        continue;
      }
      reaches ??= membershipReach(atomsOf({ ...EMPTY_STATE, memberships: desired.memberships }).memberships);
      for (const role of op.roles) for (const m of op.members) if (!reaches(role, granteeKey(m))) revoked++;
    } else if (op.kind === 'revoke') revoked += op.privileges.length * op.securables.length * op.grantees.filter(managed).length;
  }
  return Math.min(1, revoked / total);
}
