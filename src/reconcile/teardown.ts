import { EMPTY_STATE, type AccessState, type Grantee } from '../domain/access.js';
import type { Operation, Plan } from '../domain/plan.js';
import type { SecureViewChange, SecureViewFootprint } from '../domain/secure-view.js';
import { viewOwnerRole } from '../policy/secure-views.js';
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

/**
 * The teardown of a connection with data policies: Steward's grants are revoked first (a view
 * dropped before a REVOKE on it would fail the REVOKE), then the secure views, the view
 * containers and the system containers it made are dropped (views first) — while the system
 * account is still a member of the view-owner role — and only then are memberships revoked
 * and roles dropped. A container holding anything Steward did not make is left, and so is the
 * view-owner role that owns it (dropping the role would fail); `footprint` says which and why.
 */
export function teardownWithSecureViews(actual: AccessState, footprint: SecureViewFootprint, connection: string, rolePrefix: string): Plan {
  const access = teardownPlan(actual, connection, rolePrefix);
  if (footprint.objects.length === 0) return access;
  const drops: Operation[] = [];
  for (const o of footprint.objects) {
    if (!o.removable) continue;
    const change: SecureViewChange =
      o.kind === 'view' ? { kind: 'dropView', view: o.segments, system: o.system ?? null } : o.kind === 'viewContainer' ? { kind: 'dropViewContainer', container: o.segments } : { kind: 'dropSystem', system: o.segments };
    drops.push({ kind: 'secureView', change });
  }
  const owner = viewOwnerRole(rolePrefix);
  const ownerStays = footprint.objects.some((o) => !o.removable && o.keepsOwner === true);
  const isOwner = (g: Grantee): boolean => g.kind === 'role' && g.name === owner;
  // What the view-owner role holds on its own objects (PostgreSQL lists an owner in the ACL once
  // it grants anything) goes with them; revoking it first would leave the role — and the
  // account acting through it — unable to reach the views it must drop.
  const inFootprint = (segments: readonly string[]): boolean =>
    footprint.objects.some((o) => o.segments.length <= segments.length && o.segments.every((s, i) => segments[i] === s));
  const ops = access.operations
    .filter((op) => !(ownerStays && op.kind === 'dropRole' && op.role === owner))
    .flatMap((op): Operation[] => {
      if (op.kind !== 'revoke' || !op.grantees.some(isOwner)) return [op];
      const own = op.securables.filter((s) => inFootprint(s.segments));
      if (own.length === 0) return [op];
      const out: Operation[] = [];
      const rest = op.securables.filter((s) => !inFootprint(s.segments));
      if (rest.length > 0) out.push({ ...op, securables: rest });
      const others = op.grantees.filter((g) => !isOwner(g));
      if (others.length > 0) out.push({ ...op, securables: own, grantees: others });
      return out;
    });
  const grantRevocations = ops.filter((op) => op.kind === 'revoke' || op.kind === 'revokeDefault');
  const rest = ops.filter((op) => op.kind !== 'revoke' && op.kind !== 'revokeDefault');
  return { ...access, operations: [...grantRevocations, ...drops, ...rest] };
}
