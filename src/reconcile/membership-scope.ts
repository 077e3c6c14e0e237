/**
 * The membership-scoped reconcile: when a change (a user joins or leaves a group, a user is
 * added or removed) leaves the desired roles, grants and default privileges exactly as the
 * last apply left them, only memberships (and default roles) can differ. Then the plan needs
 * the database's roles and memberships alone: no catalog sync, no read of every table's ACL,
 * no diff of every grant. Anything else the scoped plan would contain (a missing role, a
 * blocked operation) sends the run down the full path instead; grants drift stays the drift
 * check's to find.
 */
import { granteeKey, type AccessScope, type AccessState, type Grant } from '../domain/access.js';
import type { Operation } from '../domain/plan.js';

/** The kinds of operation a membership-scoped plan may hold; any other sends it down the full path. */
const SCOPED_KINDS: ReadonlySet<Operation['kind']> = new Set(['grantMembership', 'revokeMembership', 'setDefaultRole']);

export const isMembershipOperation = (o: Operation): boolean => SCOPED_KINDS.has(o.kind);

/** The part of a state a membership-scoped plan compares: roles, memberships, default roles. */
export function membershipPart(s: AccessState): AccessState {
  return { roles: s.roles, memberships: s.memberships, grants: [], defaultGrants: [], defaultRoles: s.defaultRoles };
}

/**
 * The scope of a membership-scoped read: the same roles and principals, no relation, sequence,
 * container or database (readers then read roles, memberships and default roles, and little
 * else; whatever else they return is not compared).
 */
export function membershipScope(scope: AccessScope): AccessScope {
  return { ...scope, protectedTables: [], protectedSequences: [], containers: [], databases: [], protectedDatabases: [], unprotectedTables: [], defaultOwners: [] };
}

const sameList = <T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean => {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i]!, b[i]!)) return false;
  return true;
};

const sameStrings = (a: readonly string[], b: readonly string[]): boolean => sameList(a, b, (x, y) => x === y);

function sameGrant(a: Grant, b: Grant): boolean {
  return (
    a.securable.kind === b.securable.kind &&
    a.securable.pattern === b.securable.pattern &&
    sameStrings(a.securable.segments, b.securable.segments) &&
    granteeKey(a.grantee) === granteeKey(b.grantee) &&
    a.grantor === b.grantor &&
    sameStrings(a.privileges, b.privileges)
  );
}

/**
 * Whether `desired` differs from `last` (both canonical, as the policy engine makes them) in
 * memberships and default roles only: the same roles with the same purposes, the same grants,
 * the same default privileges. One pass over the lists, no allocation per grant.
 */
export function onlyMembershipsDiffer(desired: AccessState, last: AccessState): boolean {
  return (
    sameList(desired.roles, last.roles, (a, b) => a.purpose === b.purpose && granteeKey(a.grantee) === granteeKey(b.grantee)) &&
    sameList(desired.defaultGrants, last.defaultGrants, (a, b) =>
      a.database === b.database && a.schema === b.schema && a.owner === b.owner && a.objects === b.objects &&
      granteeKey(a.grantee) === granteeKey(b.grantee) && sameStrings(a.privileges, b.privileges),
    ) &&
    sameList(desired.grants, last.grants, sameGrant)
  );
}
