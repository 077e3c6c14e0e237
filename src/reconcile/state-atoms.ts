import { PRIVILEGE_ORDER, type AccessState, type Privilege, type RolePurpose } from '../domain/access.js';

/**
 * An access state taken apart into atoms, the unit of the planner's set arithmetic: a role,
 * a membership, one default privilege, one default role. (Grants, the bulk, are diffed by a
 * merge walk in `grant-diff.ts` instead.) Privileges of one grantee are a bit mask, so that
 * the diff is integer arithmetic. Lists may hold duplicates or split entries; atoms do not care.
 */
export interface StateAtoms {
  readonly roles: ReadonlyMap<string, RolePurpose>;
  /** `role \0 member`. */
  readonly memberships: ReadonlySet<string>;
  /** By `defaultGrantKey`. */
  readonly defaults: ReadonlyMap<string, DefaultAtoms>;
  /** user → role; `null` roles are absent. */
  readonly defaultRoles: ReadonlyMap<string, string>;
}

export interface DefaultAtoms {
  readonly database: string;
  readonly schema: string;
  readonly owner: string;
  readonly grantee: string;
  mask: number;
}

// Names cannot hold NUL on any supported platform: NUL-joined keys are unambiguous.
export const membershipKey = (role: string, member: string): string => `${role}\u0000${member}`;
export const defaultGrantKey = (database: string, schema: string, owner: string, grantee: string): string =>
  `${database}\u0000${schema}\u0000${owner}\u0000${grantee}`;

const BIT = Object.fromEntries(PRIVILEGE_ORDER.map((p, i) => [p, 1 << i])) as Record<Privilege, number>;
const LISTS = new Map<number, readonly Privilege[]>();

/** Privileges as a bit mask (bit i: `PRIVILEGE_ORDER[i]`). */
export function privilegeMask(privileges: readonly Privilege[]): number {
  let m = 0;
  for (const p of privileges) m |= BIT[p] ?? 0;
  return m;
}

/** The sorted privilege list of a mask; one shared frozen array per mask. */
export function privilegesOf(mask: number): readonly Privilege[] {
  let list = LISTS.get(mask);
  if (list === undefined) {
    list = Object.freeze(PRIVILEGE_ORDER.filter((_p, i) => (mask & (1 << i)) !== 0));
    LISTS.set(mask, list);
  }
  return list;
}

/** Take a state apart into atoms. */
export function atomsOf(state: AccessState): StateAtoms {
  const roles = new Map<string, RolePurpose>();
  for (const r of state.roles) if (!roles.has(r.name)) roles.set(r.name, r.purpose);
  const memberships = new Set<string>();
  for (const m of state.memberships) memberships.add(membershipKey(m.role, m.member));
  const defaults = new Map<string, DefaultAtoms>();
  for (const d of state.defaultGrants) {
    const key = defaultGrantKey(d.database, d.schema, d.owner, d.grantee);
    const mask = privilegeMask(d.privileges);
    const prior = defaults.get(key);
    if (prior === undefined) defaults.set(key, { database: d.database, schema: d.schema, owner: d.owner, grantee: d.grantee, mask });
    else prior.mask |= mask;
  }
  const defaultRoles = new Map<string, string>();
  for (const d of state.defaultRoles) {
    if (d.role === null) defaultRoles.delete(d.user);
    else defaultRoles.set(d.user, d.role);
  }
  return { roles, memberships, defaults, defaultRoles };
}
