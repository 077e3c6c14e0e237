import { granteeKey, roleGrantee, type AccessState, type DefaultGrant, type Grant, type Grantee, type Membership, type Privilege, type RoleSpec } from '../domain/access.js';
import type { Operation, Plan } from '../domain/plan.js';
import { canonicalizeState, securableSortKey } from '../domain/canonical-state.js';

export interface ApplyModelOptions {
  /**
   * Check what a database would refuse: granting to or from a role that does not exist,
   * creating a role twice, dropping a role that still holds privileges (PostgreSQL refuses;
   * memberships go away with the role, as they do there). Throws an Error on violation.
   */
  readonly strict?: boolean;
}

/**
 * A pure model of what running a plan does to an access state; the planner's property tests
 * check `apply(actual, plan(actual, desired)) = desired` with it, and that no prefix of a plan
 * gives access outside old ∪ new. Returns a canonical state.
 */
export function applyPlanToState(state: AccessState, plan: Plan, opts: ApplyModelOptions = {}): AccessState {
  let s = state;
  for (const op of plan.operations) s = applyOperation(s, op, opts.strict === true);
  return canonicalizeState(s);
}

/** One operation; exported so that tests can walk a plan prefix by prefix. */
export function applyOperation(s: AccessState, op: Operation, strict = false): AccessState {
  const exists = (g: Grantee): boolean => {
    const key = granteeKey(g);
    return g.kind === 'public' || s.roles.some((r) => granteeKey(r.grantee) === key);
  };
  const need = (grantees: readonly Grantee[]): void => {
    if (!strict) return;
    for (const g of grantees) if (!exists(g)) throw new Error(`${op.kind}: role ${granteeKey(g)} does not exist`);
  };
  const roles = (names: readonly string[]): Grantee[] => names.map(roleGrantee);
  switch (op.kind) {
    case 'createRole': {
      if (exists(op.role)) {
        if (strict) throw new Error(`createRole: role ${granteeKey(op.role)} exists`);
        return s;
      }
      const role: RoleSpec = { grantee: op.role, purpose: op.purpose };
      return { ...s, roles: [...s.roles, role] };
    }
    case 'dropRole': {
      need([roleGrantee(op.role)]);
      const held = (g: Grantee): boolean => g.kind === 'role' && g.name === op.role;
      if (strict && (s.grants.some((g) => held(g.grantee)) || s.defaultGrants.some((d) => held(d.grantee)))) {
        throw new Error(`dropRole: role ${op.role} still holds privileges`);
      }
      return {
        roles: s.roles.filter((r) => !held(r.grantee)),
        memberships: s.memberships.filter((m) => m.role !== op.role && !held(m.member)),
        grants: s.grants.filter((g) => !held(g.grantee)),
        defaultGrants: s.defaultGrants.filter((d) => !held(d.grantee)),
        defaultRoles: s.defaultRoles.filter((d) => d.role !== op.role),
      };
    }
    case 'grantMembership': {
      need([...roles(op.roles), ...op.members]);
      const added: Membership[] = op.roles.flatMap((role) => op.members.map((member) => ({ role, member })));
      return { ...s, memberships: [...s.memberships, ...added] };
    }
    case 'revokeMembership': {
      const gone = new Set(op.roles.flatMap((role) => op.members.map((member) => `${role}\u0000${granteeKey(member)}`)));
      return { ...s, memberships: s.memberships.filter((m) => !gone.has(`${m.role}\u0000${granteeKey(m.member)}`)) };
    }
    case 'grant': {
      need(op.grantees);
      const added: Grant[] = op.securables.flatMap((securable) => op.grantees.map((grantee) => ({ securable, grantee, privileges: op.privileges })));
      return canonicalizeState({ ...s, grants: [...s.grants, ...added] });
    }
    case 'revoke': {
      // Only the items of the grantor named (the system account's when none), as a database does.
      const keys = new Set(op.securables.map(securableSortKey));
      const grantees = new Set(op.grantees.map(granteeKey));
      const grants = s.grants.map((g) =>
        grantees.has(granteeKey(g.grantee)) && keys.has(securableSortKey(g.securable)) && g.grantor === op.grantor
          ? { ...g, privileges: without(g.privileges, op.privileges) }
          : g,
      );
      return canonicalizeState({ ...s, grants });
    }
    case 'grantDefault': {
      need(op.grantees);
      const added: DefaultGrant[] = op.grantees.map((grantee) => ({
        database: op.database,
        schema: op.schema,
        owner: op.owner,
        objects: op.objects,
        grantee,
        privileges: op.privileges,
      }));
      return canonicalizeState({ ...s, defaultGrants: [...s.defaultGrants, ...added] });
    }
    case 'revokeDefault': {
      const grantees = new Set(op.grantees.map(granteeKey));
      const defaultGrants = s.defaultGrants.map((d) =>
        d.database === op.database && d.schema === op.schema && d.owner === op.owner && d.objects === op.objects && grantees.has(granteeKey(d.grantee))
          ? { ...d, privileges: without(d.privileges, op.privileges) }
          : d,
      );
      return canonicalizeState({ ...s, defaultGrants });
    }
    case 'setDefaultRole': {
      if (op.role !== null) need([roleGrantee(op.role), op.user]);
      const key = granteeKey(op.user);
      const rest = s.defaultRoles.filter((d) => granteeKey(d.user) !== key);
      return { ...s, defaultRoles: op.role === null ? rest : [...rest, { user: op.user, role: op.role }] };
    }
    case 'secureView':
      // Data policies change what a view shows, not who holds which privilege (the grants on
      // views are ordinary grants of the plan).
      return s;
  }
}

function without(have: readonly Privilege[], gone: readonly Privilege[]): Privilege[] {
  const g = new Set(gone);
  return have.filter((p) => !g.has(p));
}
