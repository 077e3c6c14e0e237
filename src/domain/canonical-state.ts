import {
  granteeKey,
  sortPrivileges,
  type AccessState,
  type DefaultGrant,
  type DefaultRole,
  type Grant,
  type Grantee,
  type Membership,
  type Privilege,
  type RoleSpec,
  type Securable,
} from './access.js';

/**
 * The canonical form of an access state: every list sorted and deduplicated, so that equal
 * access gives deep-equal values (the policy engine's determinism and the planner's tests rely
 * on it).
 *
 * Orders (plain code-unit comparison, never locale-dependent; grantees by `granteeKey`):
 * - roles by grantee; memberships by (role, member);
 * - grants by securable (`compareSecurables`) then grantee then grantor, one grant per
 *   (securable, grantee, grantor) holding the union of privileges, none empty;
 * - default grants by (database, schema, owner, objects, grantee), merged likewise;
 * - default roles by user; a `null` role means "no default role" and is dropped.
 */
export function canonicalizeState(state: AccessState): AccessState {
  const roles = new Map<string, RoleSpec>();
  for (const r of state.roles) {
    const key = granteeKey(r.grantee);
    if (!roles.has(key)) roles.set(key, { grantee: r.grantee, purpose: r.purpose });
  }

  const memberships = new Map<string, Membership>();
  for (const m of state.memberships) memberships.set(`${m.role}\u0002${granteeKey(m.member)}`, { role: m.role, member: m.member });

  const grants = new Map<string, { securable: Securable; grantee: Grantee; grantor: string | undefined; privileges: Set<Privilege>; extra: Pick<Grant, 'narrowTo' | 'revokeBlocked'> }>();
  for (const g of state.grants) {
    const key = `${securableSortKey(g.securable)}\u0002${granteeKey(g.grantee)}\u0002${g.grantor ?? ''}`;
    let acc = grants.get(key);
    if (acc === undefined) {
      const securable: Securable = { kind: g.securable.kind, segments: [...g.securable.segments], ...(g.securable.pattern ? { pattern: true } : {}) };
      acc = { securable, grantee: g.grantee, grantor: g.grantor, privileges: new Set(), extra: {} };
      grants.set(key, acc);
    }
    for (const p of g.privileges) acc.privileges.add(p);
    // Facts about the grant's reach (actual state only): equal for every entry of one securable.
    if (g.narrowTo !== undefined) acc.extra = { ...acc.extra, narrowTo: g.narrowTo };
    if (g.revokeBlocked !== undefined) acc.extra = { ...acc.extra, revokeBlocked: g.revokeBlocked };
  }

  const defaults = new Map<string, { d: Omit<DefaultGrant, 'privileges'>; privileges: Set<Privilege> }>();
  for (const d of state.defaultGrants) {
    const key = [d.database, d.schema, d.owner, d.objects, granteeKey(d.grantee)].join('\u0002');
    let acc = defaults.get(key);
    if (acc === undefined) {
      acc = { d: { database: d.database, schema: d.schema, owner: d.owner, objects: d.objects, grantee: d.grantee }, privileges: new Set() };
      defaults.set(key, acc);
    }
    for (const p of d.privileges) acc.privileges.add(p);
  }

  const defaultRoles = new Map<string, DefaultRole>();
  for (const d of state.defaultRoles) defaultRoles.set(granteeKey(d.user), { user: d.user, role: d.role });

  const out: AccessState = {
    roles: [...roles.values()].sort(compareRoleSpecs),
    memberships: [...memberships.values()].sort(compareMemberships),
    grants: [...grants.values()]
      .filter((g) => g.privileges.size > 0)
      .map((g): Grant => ({ securable: g.securable, grantee: g.grantee, privileges: sortPrivileges(g.privileges), ...(g.grantor !== undefined ? { grantor: g.grantor } : {}), ...g.extra }))
      .sort(compareGrantsWithGrantor),
    defaultGrants: [...defaults.values()]
      .filter((d) => d.privileges.size > 0)
      .map((d): DefaultGrant => ({ ...d.d, privileges: sortPrivileges(d.privileges) }))
      .sort(compareDefaultGrants),
    defaultRoles: [...defaultRoles.values()].filter((d) => d.role !== null).sort((a, b) => compareGrantees(a.user, b.user)),
  };
  return state.blockedGrantors && state.blockedGrantors.length > 0 ? { ...out, blockedGrantors: state.blockedGrantors } : out;
}

/** Code-unit string order: stable across machines and locales. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Grantees in the order of their keys (roles by name first, then PUBLIC and accounts). */
export function compareGrantees(a: Grantee, b: Grantee): number {
  if (a === b) return 0;
  if (a.kind === 'role' && b.kind === 'role') return cmp(a.name, b.name);
  return cmp(granteeKey(a), granteeKey(b));
}

export function compareRoleSpecs(a: RoleSpec, b: RoleSpec): number {
  return compareGrantees(a.grantee, b.grantee);
}

export function compareMemberships(a: Membership, b: Membership): number {
  return cmp(a.role, b.role) || compareGrantees(a.member, b.member);
}

/**
 * `memberships` in canonical order, as `sort(compareMemberships)` leaves them (ties in their
 * order), without one comparator call per pair over the whole list: memberships are bucketed by
 * role, roles sorted, and each bucket sorted by member. Buckets are filled login by login in
 * login order, so each is usually sorted already (one pass). T10: 950,000 memberships, 2–2.5 s
 * in one sort.
 */
export function sortMemberships(memberships: Membership[]): Membership[] {
  const byRole = new Map<string, Membership[]>();
  for (const m of memberships) {
    const bucket = byRole.get(m.role);
    if (bucket === undefined) byRole.set(m.role, [m]);
    else bucket.push(m);
  }
  let at = 0;
  for (const role of [...byRole.keys()].sort(cmp)) {
    const bucket = byRole.get(role)!;
    let sorted = true;
    for (let i = 1; i < bucket.length && sorted; i++) sorted = compareGrantees(bucket[i - 1]!.member, bucket[i]!.member) <= 0;
    if (!sorted) bucket.sort((a, b) => compareGrantees(a.member, b.member));
    for (const m of bucket) memberships[at++] = m;
  }
  return memberships;
}

const KIND_ORDER = { database: 0, schema: 1, table: 2, sequence: 3, column: 4 } as const;

/** Segment arrays compared element by element (so a subtree is one contiguous run). */
export function compareSegments(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmp(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Canonical securable order: databases, schemas, tables, sequences, columns; each by segments. */
export function compareSecurables(a: Securable, b: Securable): number {
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compareSegments(a.segments, b.segments) || Number(a.pattern === true) - Number(b.pattern === true);
}

/** Canonical grant order without the grantor: securable, then grantee (what the planner diffs by). */
export function compareGrants(a: Grant, b: Grant): number {
  return (a.securable === b.securable ? 0 : compareSecurables(a.securable, b.securable)) || compareGrantees(a.grantee, b.grantee);
}

function compareGrantsWithGrantor(a: Grant, b: Grant): number {
  return compareGrants(a, b) || cmp(a.grantor ?? '', b.grantor ?? '');
}

export function compareDefaultGrants(a: DefaultGrant, b: DefaultGrant): number {
  return (
    cmp(a.database, b.database) ||
    cmp(a.schema, b.schema) ||
    cmp(a.owner, b.owner) ||
    cmp(a.objects, b.objects) ||
    compareGrantees(a.grantee, b.grantee)
  );
}

/**
 * A string that identifies a securable; unlike `securableKey` it is cheap to build. Names
 * cannot hold NUL on any supported platform, so NUL is a safe separator.
 */
export function securableSortKey(s: Securable): string {
  return `${s.kind}${s.pattern ? '~' : ''}\u0000${s.segments.join('\u0000')}`;
}
