import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { granteeKey as K, roleGrantee as R } from '../../src/domain/access.js';
import type { AccessState, DefaultGrant, Grant, Membership, Privilege, RoleSpec, Securable } from '../../src/domain/access.js';
import type { Operation } from '../../src/domain/plan.js';
import { applyOperation, applyPlanToState } from '../../src/reconcile/apply-model.js';
import { canonicalizeState } from '../../src/domain/canonical-state.js';
import { filterDrift, planChanges } from '../../src/reconcile/diff.js';

// A small universe: principals first, then Steward roles; a role may only have members that
// come before it, so membership graphs stay acyclic as databases require.
const PRINCIPALS = ['p1', 'p2', 'p3'];
const STEWARD: RoleSpec[] = [
  { grantee: R('s1'), purpose: 'policy' },
  { grantee: R('s2'), purpose: 'policy' },
  { grantee: R('s3'), purpose: 'personal' },
  { grantee: R('s4'), purpose: 'policy' },
];
const ORDER = [...PRINCIPALS, ...STEWARD.map((r) => K(r.grantee))];
const SECURABLES: Securable[] = [
  { kind: 'database', segments: ['d1'] },
  { kind: 'schema', segments: ['d1', 's'] },
  { kind: 'table', segments: ['d1', 's', 't1'] },
  { kind: 'table', segments: ['d1', 's', 't2'] },
  { kind: 'table', segments: ['d2', 's', 't1'] },
];
const PRIVS: Privilege[] = ['CONNECT', 'USAGE', 'SELECT', 'INSERT', 'DELETE'];

const stateArb: fc.Arbitrary<AccessState> = fc
  .record({
    principals: fc.subarray(PRINCIPALS),
    steward: fc.subarray(STEWARD),
  })
  .chain(({ principals, steward }) => {
    const roles: RoleSpec[] = [...principals.map((name) => ({ grantee: R(name), purpose: 'principal' as const })), ...steward];
    const names = roles.map((r) => K(r.grantee));
    const stewardNames = steward.map((r) => K(r.grantee));
    const pairs: Membership[] = [];
    for (const role of stewardNames) for (const member of names) if (ORDER.indexOf(member) < ORDER.indexOf(role)) pairs.push({ role, member: R(member) });
    const grantee = names.length > 0 ? fc.constantFrom(...names).map(R) : null;
    const grants: fc.Arbitrary<Grant[]> =
      grantee === null
        ? fc.constant([])
        : fc.array(
            fc.record(
              // Some grants were made by another grantor (PostgreSQL keeps one ACL item per grantor).
              { securable: fc.constantFrom(...SECURABLES), grantee, privileges: fc.subarray(PRIVS, { minLength: 1 }), grantor: fc.constantFrom('etl', 'owner') },
              { requiredKeys: ['securable', 'grantee', 'privileges'] },
            ),
            { maxLength: 8 },
          );
    const defaults: fc.Arbitrary<DefaultGrant[]> =
      grantee === null
        ? fc.constant([])
        : fc.array(
            fc.record({
              database: fc.constant('d1'),
              schema: fc.constantFrom('s', 'x'),
              owner: fc.constantFrom('etl', 'app'),
              objects: fc.constantFrom('tables' as const, 'sequences' as const),
              grantee,
              privileges: fc.subarray(['SELECT', 'INSERT'] as Privilege[], { minLength: 1 }),
            }),
            { maxLength: 3 },
          );
    const defaultRoles =
      principals.length > 0 && stewardNames.length > 0
        ? fc.uniqueArray(fc.record({ user: fc.constantFrom(...principals).map(R), role: fc.constantFrom(...stewardNames) }), { maxLength: 3, selector: (d) => K(d.user) })
        : fc.constant([]);
    return fc.record({
      roles: fc.constant(roles),
      memberships: pairs.length > 0 ? fc.subarray(pairs) : fc.constant([]),
      grants,
      defaultGrants: defaults,
      defaultRoles,
    });
  })
  .map(canonicalizeState);

/** A desired state never names grantors: only what the database reads back does. */
const desiredArb = stateArb.map((s) => canonicalizeState({ ...s, grants: s.grants.map(({ grantor: _g, ...g }) => g) }));

/** Grantors aside (a grant the desired state keeps may have been made by anyone). */
const withoutGrantors = (s: AccessState): AccessState => canonicalizeState({ ...s, grants: s.grants.map(({ grantor: _g, ...g }) => g) });

const plan = (actual: AccessState, desired: AccessState, lastApplied: AccessState | null = null): Operation[] =>
  [...planChanges(actual, desired, { connection: 'c', lastApplied }).operations];

/** Principals are never dropped: expect the desired state plus the actual principals it does not list. */
function expected(actual: AccessState, desired: AccessState): AccessState {
  const keep = actual.roles.filter((r) => r.purpose === 'principal' && !desired.roles.some((d) => K(d.grantee) === K(r.grantee)));
  return canonicalizeState({ ...desired, roles: [...desired.roles, ...keep] });
}

/** The roles each name reaches through the memberships of a state (itself excluded). */
function reachOf(s: AccessState): (name: string) => Set<string> {
  return (name) => {
    const reach = new Set<string>();
    const queue = [name];
    while (queue.length > 0) {
      const m = queue.pop()!;
      for (const ms of s.memberships) {
        if (K(ms.member) === m && !reach.has(ms.role)) {
          reach.add(ms.role);
          queue.push(ms.role);
        }
      }
    }
    return reach;
  };
}

/** Every (name, securable-or-default, privilege) a name holds directly or through memberships. */
function effective(s: AccessState): Set<string> {
  const out = new Set<string>();
  const names = new Set<string>([...s.roles.map((r) => K(r.grantee)), ...s.memberships.map((m) => K(m.member)), ...s.grants.map((g) => K(g.grantee))]);
  for (const name of names) {
    const reach = new Set([name, ...reachOf(s)(name)]);
    for (const g of s.grants) if (reach.has(K(g.grantee))) for (const p of g.privileges) out.add(`${name}|${g.securable.kind}:${g.securable.segments.join('.')}|${p}`);
    for (const d of s.defaultGrants) if (reach.has(K(d.grantee))) for (const p of d.privileges) out.add(`${name}|default:${d.database}.${d.schema}.${d.owner}.${d.objects}|${p}`);
  }
  return out;
}

describe('planner properties', () => {
  it('applying the plan reaches the desired state, and the next plan is empty', () => {
    fc.assert(
      fc.property(stateArb, desiredArb, fc.constantFrom<'none' | 'actual' | 'desired'>('none', 'actual', 'desired'), (actual, desired, last) => {
        const lastApplied = last === 'none' ? null : last === 'actual' ? actual : desired;
        const ops = plan(actual, desired, lastApplied);
        const result = applyPlanToState(actual, { connection: 'c', operations: ops }, { strict: true });
        expect(withoutGrantors(result)).toEqual(expected(actual, desired));
        expect(plan(result, desired, desired)).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('no prefix of a plan gives access that neither the old nor the new state gives', () => {
    fc.assert(
      fc.property(stateArb, desiredArb, (actual, desired) => {
        const allowed = new Set([...effective(actual), ...effective(desired)]);
        let s = actual;
        for (const op of plan(actual, desired)) {
          s = applyOperation(s, op, true);
          for (const atom of effective(s)) expect(allowed.has(atom), `${atom} after ${JSON.stringify(op)}`).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('all revocations come before all grants, but memberships whose member still reaches the role in the desired state, which come last', () => {
    const REVOKING = new Set(['revokeMembership', 'revoke', 'revokeDefault', 'dropRole']);
    const GRANTING = new Set(['createRole', 'grant', 'grantDefault', 'grantMembership']);
    let rerouted = 0;
    fc.assert(
      fc.property(stateArb, desiredArb, (actual, desired) => {
        const ops = plan(actual, desired);
        const firstGrant = ops.findIndex((o) => GRANTING.has(o.kind));
        const lastGrant = ops.map((o) => GRANTING.has(o.kind)).lastIndexOf(true);
        const desiredReach = reachOf(desired);
        ops.forEach((o, i) => {
          if (!REVOKING.has(o.kind) || firstGrant < 0 || i < firstGrant) return;
          // After the first grant: only rerouted memberships, after every grant.
          expect(o.kind).toBe('revokeMembership');
          expect(i).toBeGreaterThan(lastGrant);
          if (o.kind === 'revokeMembership') for (const role of o.roles) for (const m of o.members) expect(desiredReach(K(m)).has(role)).toBe(true);
          rerouted++;
        });
        // And every such membership is revoked last, never before a grant.
        for (const o of ops.slice(0, firstGrant < 0 ? 0 : firstGrant)) {
          if (o.kind !== 'revokeMembership') continue;
          for (const role of o.roles) for (const m of o.members) expect(desiredReach(K(m)).has(role)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
    expect(rerouted).toBeGreaterThan(0);
  });

  it('a member of a role that still reaches it in the desired state (a user moved into a group role) never loses it while the plan runs', () => {
    let moved = 0;
    fc.assert(
      fc.property(stateArb, desiredArb, (actual, desired) => {
        const desiredReach = reachOf(desired);
        const keep = actual.memberships.filter((m) => desiredReach(K(m.member)).has(m.role));
        moved += keep.filter((m) => !desired.memberships.some((d) => d.role === m.role && K(d.member) === K(m.member))).length;
        let s = actual;
        for (const op of plan(actual, desired)) {
          s = applyOperation(s, op, true);
          const reach = reachOf(s);
          for (const m of keep) expect(reach(K(m.member)).has(m.role), `${K(m.member)} lost ${m.role} after ${JSON.stringify(op)}`).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
    expect(moved).toBeGreaterThan(0);
  });

  it('drift: none when the last apply is the actual state; everything when it is the desired one', () => {
    fc.assert(
      fc.property(stateArb, desiredArb, (actual, desired) => {
        for (const op of plan(actual, desired, actual)) expect('drift' in op).toBe(false);
        for (const op of plan(actual, desired, desired)) if (op.kind !== 'createRole') expect(op).toHaveProperty('drift', true);
        const full = planChanges(actual, desired, { connection: 'c', lastApplied: null });
        const split = filterDrift(full);
        expect(split.plan.operations.length + split.drift.length).toBe(full.operations.length);
        for (const op of split.plan.operations) expect('drift' in op).toBe(false);
        // What report mode runs is still a valid plan: nothing dropped while it holds privileges.
        expect(() => applyPlanToState(actual, split.plan, { strict: true })).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
