import { granteeKey } from '../domain/access.js';
import type { Operation, Plan } from '../domain/plan.js';

/**
 * Report mode: take drift out of a plan and list it apart. A role whose drop would need a
 * drift revocation first (someone granted a stale Steward role more by hand) is kept too, and
 * its `dropRole` reported with the drift: dropping it would either fail (PostgreSQL refuses
 * to drop a role that still holds privileges) or silently revert the drift.
 */
export function filterDrift(plan: Plan): { readonly plan: Plan; readonly drift: readonly Operation[] } {
  const drift: Operation[] = [];
  const kept: Operation[] = [];
  const touched = new Set<string>();
  for (const op of plan.operations) {
    if ('drift' in op && op.drift === true) {
      drift.push(op);
      for (const key of keysIn(op)) touched.add(key);
    }
  }
  for (const op of plan.operations) {
    if ('drift' in op && op.drift === true) continue;
    // A role's grantee key is its name.
    if (op.kind === 'dropRole' && touched.has(op.role)) drift.push(op);
    else kept.push(op);
  }
  return { plan: { ...plan, operations: kept }, drift };
}

/** Grantee keys of the roles an operation revokes from or out of. */
function keysIn(op: Operation): string[] {
  switch (op.kind) {
    case 'revoke':
    case 'revokeDefault':
      return op.grantees.map(granteeKey);
    case 'revokeMembership':
      return [...op.roles, ...op.members.map(granteeKey)];
    case 'setDefaultRole':
      return op.role === null ? [] : [op.role];
    default:
      return [];
  }
}
