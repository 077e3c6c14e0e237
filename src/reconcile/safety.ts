import type { AccessState } from '../domain/access.js';
import type { Plan } from '../domain/plan.js';

/**
 * How much access a state holds, in atoms: one per membership, one per privilege of a grantee
 * on a securable. Default privileges and roles are left out: they give nobody access by
 * themselves.
 */
export function countManagedAccess(state: AccessState): number {
  let n = state.memberships.length;
  for (const g of state.grants) n += g.privileges.length;
  return n;
}

/**
 * The share (0..1) of the managed access in `actual` that a plan revokes, counted in the same
 * atoms as `countManagedAccess`. The safety valve refuses plans above one half: a broken
 * identity feed or an emptied policy file must not wipe a connection's access silently.
 * An empty `actual` revokes nothing (0).
 */
export function revocationRatio(plan: Plan, actual: AccessState): number {
  const managed = countManagedAccess(actual);
  if (managed === 0) return 0;
  let revoked = 0;
  for (const op of plan.operations) {
    if (op.kind === 'revokeMembership') revoked += op.roles.length * op.members.length;
    else if (op.kind === 'revoke') revoked += op.privileges.length * op.securables.length * op.grantees.length;
  }
  return Math.min(1, revoked / managed);
}
