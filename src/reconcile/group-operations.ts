import { granteeKey, type DefaultObjects, type Grantee, type Privilege, type Securable } from '../domain/access.js';
import type { Operation } from '../domain/plan.js';
import { cmp, compareGrantees, compareSecurables, securableSortKey } from '../domain/canonical-state.js';

/** Privileges of one grantee on one securable to grant or revoke (sorted, non-empty). */
export interface GrantChange {
  readonly securable: Securable;
  readonly grantee: Grantee;
  readonly privileges: readonly Privilege[];
  readonly drift: boolean;
  /** Revocations: the role that made the grant, when it is not the system account. */
  readonly grantor?: string;
  /** Revocations: what the grant also reached outside the scope, kept by narrowing it. */
  readonly narrowTo?: readonly Securable[];
  /** Revocations: why the system account cannot revoke it (the operation is reported as blocked). */
  readonly revokeBlocked?: string;
}

export interface MembershipChange {
  readonly role: string;
  readonly member: Grantee;
  readonly drift: boolean;
}

export interface DefaultChange {
  readonly database: string;
  readonly schema: string;
  readonly owner: string;
  readonly objects: DefaultObjects;
  readonly grantee: Grantee;
  readonly privileges: readonly Privilege[];
  readonly drift: boolean;
}

/**
 * Few statements for many atoms: group by (grantee, privilege set) → securables, then merge
 * groups with the same (privilege set, securables) across grantees, so that one operation is
 * `GRANT privs ON many TO many`. An operation never mixes securable kinds (the SQL differs),
 * databases (PostgreSQL runs a table GRANT inside its database), grantors (a revocation runs
 * as one grantor) or drift with non-drift (report mode must be able to drop drift operations
 * alone).
 */
export function groupGrants(kind: 'grant' | 'revoke', changes: readonly GrantChange[]): Operation[] {
  // A narrowed revocation is one operation of its own: its extra grants are about its securable.
  const narrowed = changes.filter((c) => c.narrowTo !== undefined);
  if (narrowed.length > 0) {
    const rest = groupGrants(kind, changes.filter((c) => c.narrowTo === undefined));
    return [
      ...rest,
      ...narrowed.map((c): Operation => ({ kind: 'revoke', privileges: c.privileges, securables: [c.securable], grantees: [c.grantee], narrowTo: c.narrowTo!, ...driftFlag(c.drift) })),
    ];
  }
  type Head = { grantee: Grantee; privileges: readonly Privilege[]; drift: boolean; kind: Securable['kind']; database: string; grantor: string | undefined };
  const byGrantee = new Map<string, { head: Head; securables: Securable[] }>();
  for (const c of changes) {
    const database = c.securable.segments[0] ?? '';
    const key = [granteeKey(c.grantee), c.privileges.join(','), c.securable.kind, database, c.drift, c.grantor ?? ''].join('\u0001');
    let group = byGrantee.get(key);
    if (group === undefined) {
      group = { head: { grantee: c.grantee, privileges: c.privileges, drift: c.drift, kind: c.securable.kind, database, grantor: c.grantor }, securables: [] };
      byGrantee.set(key, group);
    }
    group.securables.push(c.securable);
  }
  const merged = new Map<string, { privileges: readonly Privilege[]; securables: Securable[]; grantees: Grantee[]; drift: boolean; grantor: string | undefined }>();
  for (const g of byGrantee.values()) {
    g.securables.sort(compareSecurables);
    const key = [g.head.privileges.join(','), g.head.kind, g.head.database, g.head.drift, g.head.grantor ?? '', ...g.securables.map(securableSortKey)].join('\u0001');
    const m = merged.get(key);
    if (m === undefined) merged.set(key, { privileges: g.head.privileges, securables: g.securables, grantees: [g.head.grantee], drift: g.head.drift, grantor: g.head.grantor });
    else m.grantees.push(g.head.grantee);
  }
  return [...merged.values()]
    .map((m) => ({ ...m, grantees: m.grantees.sort(compareGrantees) }))
    .sort(
      (a, b) =>
        compareSecurables(a.securables[0]!, b.securables[0]!) ||
        compareGrantees(a.grantees[0]!, b.grantees[0]!) ||
        cmp(a.privileges.join(','), b.privileges.join(',')) ||
        cmp(a.grantor ?? '', b.grantor ?? '') ||
        Number(a.drift) - Number(b.drift),
    )
    .map((m): Operation =>
      kind === 'revoke'
        ? { kind, privileges: m.privileges, securables: m.securables, grantees: m.grantees, ...(m.grantor !== undefined ? { grantor: m.grantor } : {}), ...driftFlag(m.drift) }
        : { kind, privileges: m.privileges, securables: m.securables, grantees: m.grantees, ...driftFlag(m.drift) },
    );
}

/**
 * Group memberships by member → roles, then merge members with the same roles, so that one
 * operation is `GRANT r1, r2 TO m1, m2`.
 */
export function groupMemberships(kind: 'grantMembership' | 'revokeMembership', changes: readonly MembershipChange[]): Operation[] {
  const byMember = new Map<string, { member: Grantee; drift: boolean; roles: string[] }>();
  for (const c of changes) {
    const key = `${granteeKey(c.member)}\u0001${c.drift}`;
    let g = byMember.get(key);
    if (g === undefined) byMember.set(key, (g = { member: c.member, drift: c.drift, roles: [] }));
    g.roles.push(c.role);
  }
  const merged = new Map<string, { roles: string[]; members: Grantee[]; drift: boolean }>();
  for (const g of byMember.values()) {
    const roles = [...new Set(g.roles)].sort(cmp);
    const key = `${g.drift}\u0001${roles.join('\u0000')}`;
    const m = merged.get(key);
    if (m === undefined) merged.set(key, { roles, members: [g.member], drift: g.drift });
    else m.members.push(g.member);
  }
  return [...merged.values()]
    .map((m) => ({ ...m, members: m.members.sort(compareGrantees) }))
    .sort((a, b) => cmp(a.roles.join('\u0000'), b.roles.join('\u0000')) || compareGrantees(a.members[0]!, b.members[0]!) || Number(a.drift) - Number(b.drift))
    .map((m): Operation => ({ kind, roles: m.roles, members: m.members, ...driftFlag(m.drift) }));
}

/** Default privileges: one operation per (database, schema, owner, objects, privilege set), many grantees. */
export function groupDefaults(kind: 'grantDefault' | 'revokeDefault', changes: readonly DefaultChange[]): Operation[] {
  const merged = new Map<string, { head: Omit<DefaultChange, 'grantee'>; grantees: Grantee[] }>();
  for (const c of changes) {
    const key = [c.database, c.schema, c.owner, c.objects, c.privileges.join(','), c.drift].join('\u0000');
    const m = merged.get(key);
    if (m === undefined) merged.set(key, { head: c, grantees: [c.grantee] });
    else m.grantees.push(c.grantee);
  }
  return [...merged.values()]
    .map((m) => ({ ...m, grantees: m.grantees.sort(compareGrantees) }))
    .sort(
      (a, b) =>
        cmp(a.head.database, b.head.database) ||
        cmp(a.head.schema, b.head.schema) ||
        cmp(a.head.owner, b.head.owner) ||
        cmp(a.head.objects, b.head.objects) ||
        compareGrantees(a.grantees[0]!, b.grantees[0]!) ||
        cmp(a.head.privileges.join(','), b.head.privileges.join(',')) ||
        Number(a.head.drift) - Number(b.head.drift),
    )
    .map(
      (m): Operation => ({
        kind,
        database: m.head.database,
        schema: m.head.schema,
        owner: m.head.owner,
        objects: m.head.objects,
        privileges: m.head.privileges,
        grantees: m.grantees,
        ...driftFlag(m.head.drift),
      }),
    );
}

/** `drift` is only present when true, so that plans without drift stay small and stable. */
export function driftFlag(drift: boolean): { drift?: true } {
  return drift ? { drift: true } : {};
}
