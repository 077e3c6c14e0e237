import type { Grantee } from '../domain/access.js';

/** Role → member's grantee key → member (the shape of `StateAtoms.memberships`). */
export type MembershipMap = ReadonlyMap<string, ReadonlyMap<string, Grantee>>;

/** Roles nest this deep at most in Steward's states (login → personal → group → policy); deeper chains are not followed. */
const MAX_DEPTH = 8;

/**
 * Whether a member reaches a role through the memberships of one state: directly, or through
 * roles that are members of it in turn (a group's role on PostgreSQL, a personal role and then
 * a group's role on MariaDB). Built once per state; each question walks only the member roles
 * that have members themselves, so a policy role with thousands of direct members costs one
 * lookup, not a scan.
 */
export function membershipReach(memberships: MembershipMap): (role: string, memberKey: string) => boolean {
  const nested = new Map<string, readonly string[]>();
  const nestedOf = (role: string): readonly string[] => {
    let list = nested.get(role);
    if (list === undefined) {
      list = [];
      for (const [key, member] of memberships.get(role) ?? []) if (member.kind === 'role' && memberships.has(key)) (list as string[]).push(key);
      nested.set(role, list);
    }
    return list;
  };
  const reaches = (role: string, memberKey: string, depth: number): boolean => {
    if (memberships.get(role)?.has(memberKey) === true) return true;
    if (depth >= MAX_DEPTH) return false;
    for (const inner of nestedOf(role)) if (reaches(inner, memberKey, depth + 1)) return true;
    return false;
  };
  return (role, memberKey) => reaches(role, memberKey, 0);
}
