import { granteeKey, PRIVILEGE_ORDER, type AccessState, type DefaultObjects, type Grantee, type Privilege, type RolePurpose } from '../domain/access.js';

/**
 * An access state taken apart into atoms, the unit of the planner's set arithmetic: a role,
 * a membership, one default privilege, one default role. (Grants, the bulk, are diffed by a
 * merge walk in `grant-diff.ts` instead.) Privileges of one grantee are a bit mask, so that
 * the diff is integer arithmetic. Lists may hold duplicates or split entries; atoms do not care.
 * Keys use `granteeKey`, so grantees compare by kind and name, never by a display string.
 */
export interface StateAtoms {
  /** By grantee key. */
  readonly roles: ReadonlyMap<string, { readonly grantee: Grantee; readonly purpose: RolePurpose }>;
  /**
   * Role → member's grantee key → member. Two levels instead of one `role + member` string key
   * and one object per membership: T10 has 950,000 memberships, and building the joined keys
   * and objects of three states took 6 s of a no-change apply (plus the GC they caused).
   */
  readonly memberships: ReadonlyMap<string, ReadonlyMap<string, Grantee>>;
  /** By `defaultGrantKey`. */
  readonly defaults: ReadonlyMap<string, DefaultAtoms>;
  /** By the user's grantee key → the role; `null` roles are absent. */
  readonly defaultRoles: ReadonlyMap<string, { readonly user: Grantee; readonly role: string }>;
}

export interface DefaultAtoms {
  readonly database: string;
  readonly schema: string;
  readonly owner: string;
  readonly objects: DefaultObjects;
  readonly grantee: Grantee;
  mask: number;
}

// Database, schema and owner names cannot hold NUL on any supported platform, and a grantee
// key comes last: NUL-joined keys are unambiguous.
export const defaultGrantKey = (database: string, schema: string, owner: string, objects: DefaultObjects, grantee: Grantee): string =>
  `${database}\u0000${schema}\u0000${owner}\u0000${objects}\u0000${granteeKey(grantee)}`;

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
  const roles = new Map<string, { grantee: Grantee; purpose: RolePurpose }>();
  for (const r of state.roles) {
    const key = granteeKey(r.grantee);
    if (!roles.has(key)) roles.set(key, { grantee: r.grantee, purpose: r.purpose });
  }
  const memberships = new Map<string, Map<string, Grantee>>();
  let role: string | undefined;
  let members: Map<string, Grantee> | undefined;
  for (const m of state.memberships) {
    // Canonical states list a role's memberships together: look the role up once per run.
    if (m.role !== role) {
      role = m.role;
      members = memberships.get(role);
      if (members === undefined) memberships.set(role, (members = new Map<string, Grantee>()));
    }
    members!.set(granteeKey(m.member), m.member);
  }
  const defaults = new Map<string, DefaultAtoms>();
  for (const d of state.defaultGrants) {
    const key = defaultGrantKey(d.database, d.schema, d.owner, d.objects, d.grantee);
    const mask = privilegeMask(d.privileges);
    const prior = defaults.get(key);
    if (prior === undefined) defaults.set(key, { database: d.database, schema: d.schema, owner: d.owner, objects: d.objects, grantee: d.grantee, mask });
    else prior.mask |= mask;
  }
  const defaultRoles = new Map<string, { user: Grantee; role: string }>();
  for (const d of state.defaultRoles) {
    const key = granteeKey(d.user);
    if (d.role === null) defaultRoles.delete(key);
    else defaultRoles.set(key, { user: d.user, role: d.role });
  }
  return { roles, memberships, defaults, defaultRoles };
}
