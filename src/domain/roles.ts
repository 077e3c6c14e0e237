/**
 * Roles of API tokens, i.e. of the people and systems that call Steward:
 * - `admin`: everything;
 * - `governor`: policies, identities (users, groups, data owners) and tags, and reads everything;
 * - `owner`: tags on the data sources they own (see data owners), and reads everything;
 * - `viewer`: reads everything, changes nothing;
 * - `scim`: reserved for the provisioning (SCIM) API, which does not exist yet: no route admits it.
 * What each route admits is decided in one table, `src/api/route-access.ts`.
 */
export const ROLES = ['admin', 'governor', 'owner', 'viewer', 'scim'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
