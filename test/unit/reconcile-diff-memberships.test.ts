import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountGrantee, EMPTY_STATE, granteeKey, PUBLIC_GRANTEE, roleGrantee, type AccessState, type Grantee, type Membership } from '../../src/domain/access.js';
import { canonicalizeState } from '../../src/domain/canonical-state.js';
import type { Operation } from '../../src/domain/plan.js';
import { planChanges } from '../../src/reconcile/diff.js';
import { groupMemberships, type MembershipChange } from '../../src/reconcile/group-operations.js';

/**
 * The membership part of a plan as it was computed before memberships became role → member
 * maps: one `role NUL memberKey` string and one object per membership, set arithmetic on those
 * keys (the reference the two-level atoms must match exactly, drift flags included); a
 * revocation whose member still reaches the role in the desired state comes after the grants.
 */
function referenceMembershipOps(actual: AccessState, desired: AccessState, last: AccessState | null): Operation[] {
  const atoms = (s: AccessState): Map<string, { role: string; member: Grantee }> => {
    const out = new Map<string, { role: string; member: Grantee }>();
    for (const m of s.memberships) out.set(`${m.role}\u0000${granteeKey(m.member)}`, { role: m.role, member: m.member });
    return out;
  };
  const A = atoms(actual);
  const D = atoms(desired);
  const L = last === null ? null : atoms(last);
  const changes = (from: typeof A, to: typeof A, what: 'grant' | 'revoke'): MembershipChange[] => {
    const out: MembershipChange[] = [];
    for (const [key, m] of from) {
      if (to.has(key)) continue;
      const inLast = L !== null && L.has(key);
      out.push({ role: m.role, member: m.member, drift: what === 'revoke' ? !inLast : inLast });
    }
    return out;
  };
  // Revocations whose member still reaches the role through the desired memberships go last.
  const reaches = (memberKey: string, role: string): boolean => {
    const seen = new Set<string>();
    const queue = [memberKey];
    while (queue.length > 0) {
      const at = queue.pop()!;
      for (const m of desired.memberships) {
        if (granteeKey(m.member) !== at || seen.has(m.role)) continue;
        if (m.role === role) return true;
        seen.add(m.role);
        queue.push(m.role);
      }
    }
    return false;
  };
  const revokes = changes(A, D, 'revoke');
  const now = revokes.filter((c) => !reaches(granteeKey(c.member), c.role));
  const rerouted = revokes.filter((c) => reaches(granteeKey(c.member), c.role));
  return [...groupMemberships('revokeMembership', now), ...groupMemberships('grantMembership', changes(D, A, 'grant')), ...groupMemberships('revokeMembership', rerouted)];
}

const membershipOps = (ops: readonly Operation[]): Operation[] => ops.filter((o) => o.kind === 'grantMembership' || o.kind === 'revokeMembership');

const grantee: fc.Arbitrary<Grantee> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('u1', 'u2', 'u3', 'u4', 'r1', 'a\u0000b').map(roleGrantee) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('u1', 'x'), fc.constantFrom('%', 'localhost')).map(([u, h]) => accountGrantee(u, h)) },
  { weight: 1, arbitrary: fc.constant(PUBLIC_GRANTEE) },
);
const membership: fc.Arbitrary<Membership> = fc.record({ role: fc.constantFrom('r1', 'r2', 'r3', 'steward_p', 'a'), member: grantee });
// Lists in any order, with duplicates: atoms must not care (canonical states are a special case).
const memberships = fc.array(membership, { maxLength: 25 });
const state = (ms: readonly Membership[], canonical: boolean): AccessState => (canonical ? canonicalizeState({ ...EMPTY_STATE, memberships: ms }) : { ...EMPTY_STATE, memberships: ms });

describe('planChanges: memberships as role → member maps', () => {
  it('plans the same membership operations as one string key per membership, drift included', () => {
    fc.assert(
      fc.property(memberships, memberships, fc.option(memberships, { nil: null }), fc.boolean(), (a, d, l, canonical) => {
        const actual = state(a, canonical);
        const desired = state(d, canonical);
        const last = l === null ? null : state(l, canonical);
        const got = membershipOps(planChanges(actual, desired, { connection: 'c', lastApplied: last }).operations);
        expect(got).toEqual(referenceMembershipOps(actual, desired, last));
      }),
      { numRuns: 2_000 },
    );
  });

  it('a membership of the same role and member listed twice, or apart, is one atom', () => {
    const m = (role: string, member: string): Membership => ({ role, member: roleGrantee(member) });
    const actual: AccessState = { ...EMPTY_STATE, memberships: [m('r1', 'u1'), m('r2', 'u1'), m('r1', 'u1'), m('r1', 'u2')] };
    const desired: AccessState = { ...EMPTY_STATE, memberships: [m('r1', 'u2'), m('r1', 'u1')] };
    expect(membershipOps(planChanges(actual, desired, { connection: 'c', lastApplied: desired }).operations)).toEqual([
      { kind: 'revokeMembership', roles: ['r2'], members: [roleGrantee('u1')], drift: true },
    ]);
  });
});
