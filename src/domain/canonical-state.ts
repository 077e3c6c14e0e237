import {
  sortPrivileges,
  type AccessState,
  type DefaultGrant,
  type DefaultRole,
  type Grant,
  type Membership,
  type Privilege,
  type RoleSpec,
  type Securable,
} from './access.js';

/**
 * The canonical form of an access state: every list sorted and deduplicated, so that equal
 * access gives deep-equal values (the policy engine's determinism and the planner's tests rely
 * on it). Kept beside the planner because atom identity is the planner's business; it would
 * sit equally well in `src/domain/access.ts`.
 *
 * Orders (plain code-unit comparison, never locale-dependent):
 * - roles by name; memberships by (role, member);
 * - grants by securable (`compareSecurables`) then grantee, one grant per (securable, grantee)
 *   holding the union of privileges, none empty;
 * - default grants by (database, schema, owner, grantee), merged likewise;
 * - default roles by user; a `null` role means "no default role" and is dropped.
 */
export function canonicalizeState(state: AccessState): AccessState {
  const roles = new Map<string, RoleSpec>();
  for (const r of state.roles) if (!roles.has(r.name)) roles.set(r.name, { name: r.name, purpose: r.purpose });

  const memberships = new Map<string, Membership>();
  for (const m of state.memberships) memberships.set(`${m.role}\u0000${m.member}`, { role: m.role, member: m.member });

  const grants = new Map<string, { securable: Securable; grantee: string; privileges: Set<Privilege> }>();
  for (const g of state.grants) {
    const key = `${securableSortKey(g.securable)}\u0001${g.grantee}`;
    let acc = grants.get(key);
    if (acc === undefined) {
      acc = { securable: { kind: g.securable.kind, segments: [...g.securable.segments] }, grantee: g.grantee, privileges: new Set() };
      grants.set(key, acc);
    }
    for (const p of g.privileges) acc.privileges.add(p);
  }

  const defaults = new Map<string, { d: Omit<DefaultGrant, 'privileges'>; privileges: Set<Privilege> }>();
  for (const d of state.defaultGrants) {
    const key = [d.database, d.schema, d.owner, d.grantee].join('\u0000');
    let acc = defaults.get(key);
    if (acc === undefined) {
      acc = { d: { database: d.database, schema: d.schema, owner: d.owner, grantee: d.grantee }, privileges: new Set() };
      defaults.set(key, acc);
    }
    for (const p of d.privileges) acc.privileges.add(p);
  }

  const defaultRoles = new Map<string, DefaultRole>();
  for (const d of state.defaultRoles) defaultRoles.set(d.user, { user: d.user, role: d.role });

  return {
    roles: [...roles.values()].sort((a, b) => cmp(a.name, b.name)),
    memberships: [...memberships.values()].sort((a, b) => cmp(a.role, b.role) || cmp(a.member, b.member)),
    grants: [...grants.values()]
      .filter((g) => g.privileges.size > 0)
      .sort((a, b) => compareSecurables(a.securable, b.securable) || cmp(a.grantee, b.grantee))
      .map((g): Grant => ({ securable: g.securable, grantee: g.grantee, privileges: sortPrivileges(g.privileges) })),
    defaultGrants: [...defaults.values()]
      .filter((d) => d.privileges.size > 0)
      .map((d): DefaultGrant => ({ ...d.d, privileges: sortPrivileges(d.privileges) }))
      .sort(compareDefaultGrants),
    defaultRoles: [...defaultRoles.values()].filter((d) => d.role !== null).sort((a, b) => cmp(a.user, b.user)),
  };
}

/** Code-unit string order: stable across machines and locales. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const KIND_ORDER = { database: 0, schema: 1, table: 2 } as const;

/** Segment arrays compared element by element (so a subtree is one contiguous run). */
export function compareSegments(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmp(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Canonical securable order: databases, then schemas, then tables; each by segments. */
export function compareSecurables(a: Securable, b: Securable): number {
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compareSegments(a.segments, b.segments);
}

function compareDefaultGrants(a: DefaultGrant, b: DefaultGrant): number {
  return cmp(a.database, b.database) || cmp(a.schema, b.schema) || cmp(a.owner, b.owner) || cmp(a.grantee, b.grantee);
}

/**
 * A string that identifies a securable; unlike `securableKey` it is cheap to build. Names
 * cannot hold NUL on any supported platform, so NUL is a safe separator.
 */
export function securableSortKey(s: Securable): string {
  return `${s.kind}\u0000${s.segments.join('\u0000')}`;
}
