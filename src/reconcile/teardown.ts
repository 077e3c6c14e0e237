import { EMPTY_STATE, type AccessState } from '../domain/access.js';
import type { Operation, Plan } from '../domain/plan.js';
import { planChanges } from './diff.js';
import { managedBy } from './safety.js';

/**
 * What removing Steward from a connection takes away: everything its own roles hold (grants,
 * default privileges), every membership in them, the default roles it set, and the roles
 * themselves. Grants others hold — drift on protected objects, anyone's own access — are
 * Steward's business only while it governs, and are left exactly as they are.
 */
export function teardownPlan(actual: AccessState, connection: string, rolePrefix: string): Plan {
  const ours = managedBy(rolePrefix);
  const full = planChanges(actual, EMPTY_STATE, { connection, lastApplied: actual });
  const keep = (op: Operation): boolean => {
    switch (op.kind) {
      case 'revoke':
      case 'revokeDefault':
        return op.grantees.every(ours);
      case 'revokeMembership':
      case 'dropRole':
        return true; // memberships are only ever read in Steward's roles; only its roles are dropped
      case 'setDefaultRole':
        return op.role === null; // unset a default role that is Steward's (planChanges only unsets managed ones)
      default:
        return false;
    }
  };
  // Foreign grantees share an operation with Steward's roles only when the privileges and
  // objects are the same; split so that only Steward's part is revoked.
  const operations: Operation[] = [];
  for (const op of full.operations) {
    if (keep(op)) operations.push(op);
    else if ((op.kind === 'revoke' || op.kind === 'revokeDefault') && op.grantees.some(ours)) operations.push({ ...op, grantees: op.grantees.filter(ours) });
  }
  const blocked = (full.blocked ?? []).filter((b) => b.operation.kind !== 'revoke' || b.operation.grantees.some(ours));
  return { connection, operations, ...(blocked.length > 0 ? { blocked } : {}) };
}
