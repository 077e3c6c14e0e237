import type { AccessState, DefaultGrant, Grant, Membership, Privilege, RoleSpec } from '../domain/access.js';
import type { Operation, Plan } from '../domain/plan.js';
import { canonicalizeState } from '../domain/canonical-state.js';

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
  const exists = (name: string): boolean => s.roles.some((r) => r.name === name);
  const need = (names: readonly string[]): void => {
    if (!strict) return;
    for (const n of names) if (!exists(n)) throw new Error(`${op.kind}: role ${n} does not exist`);
  };
  switch (op.kind) {
    case 'createRole': {
      if (exists(op.role)) {
        if (strict) throw new Error(`createRole: role ${op.role} exists`);
        return s;
      }
      const role: RoleSpec = { name: op.role, purpose: op.purpose };
      return { ...s, roles: [...s.roles, role] };
    }
    case 'dropRole': {
      need([op.role]);
      if (strict && (s.grants.some((g) => g.grantee === op.role) || s.defaultGrants.some((d) => d.grantee === op.role))) {
        throw new Error(`dropRole: role ${op.role} still holds privileges`);
      }
      return {
        roles: s.roles.filter((r) => r.name !== op.role),
        memberships: s.memberships.filter((m) => m.role !== op.role && m.member !== op.role),
        grants: s.grants.filter((g) => g.grantee !== op.role),
        defaultGrants: s.defaultGrants.filter((d) => d.grantee !== op.role),
        defaultRoles: s.defaultRoles.filter((d) => d.role !== op.role),
      };
    }
    case 'grantMembership': {
      need([...op.roles, ...op.members]);
      const added: Membership[] = op.roles.flatMap((role) => op.members.map((member) => ({ role, member })));
      return { ...s, memberships: [...s.memberships, ...added] };
    }
    case 'revokeMembership': {
      const gone = new Set(op.roles.flatMap((role) => op.members.map((member) => `${role}\u0000${member}`)));
      return { ...s, memberships: s.memberships.filter((m) => !gone.has(`${m.role}\u0000${m.member}`)) };
    }
    case 'grant': {
      need(op.grantees);
      const added: Grant[] = op.securables.flatMap((securable) => op.grantees.map((grantee) => ({ securable, grantee, privileges: op.privileges })));
      return canonicalizeState({ ...s, grants: [...s.grants, ...added] });
    }
    case 'revoke': {
      const keys = new Set(op.securables.map((x) => `${x.kind}\u0000${JSON.stringify(x.segments)}`));
      const grantees = new Set(op.grantees);
      const grants = s.grants.map((g) =>
        grantees.has(g.grantee) && keys.has(`${g.securable.kind}\u0000${JSON.stringify(g.securable.segments)}`)
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
        grantee,
        privileges: op.privileges,
      }));
      return canonicalizeState({ ...s, defaultGrants: [...s.defaultGrants, ...added] });
    }
    case 'revokeDefault': {
      const grantees = new Set(op.grantees);
      const defaultGrants = s.defaultGrants.map((d) =>
        d.database === op.database && d.schema === op.schema && d.owner === op.owner && grantees.has(d.grantee)
          ? { ...d, privileges: without(d.privileges, op.privileges) }
          : d,
      );
      return canonicalizeState({ ...s, defaultGrants });
    }
    case 'setDefaultRole': {
      if (op.role !== null) need([op.role, op.user]);
      const rest = s.defaultRoles.filter((d) => d.user !== op.user);
      return { ...s, defaultRoles: op.role === null ? rest : [...rest, { user: op.user, role: op.role }] };
    }
  }
}

function without(have: readonly Privilege[], gone: readonly Privilege[]): Privilege[] {
  const g = new Set(gone);
  return have.filter((p) => !g.has(p));
}
