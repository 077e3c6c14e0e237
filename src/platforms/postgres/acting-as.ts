/**
 * Which roles Steward's account may act as, and why not when it may not. One answer for the
 * check (what it advises), the actual-state reader (which revocations and default privileges
 * are blocked) and through it the planner: PostgreSQL lets a role act as another (`SET ROLE`,
 * `ALTER DEFAULT PRIVILEGES FOR ROLE`, revoking what that role granted) only when it is a
 * member of it, or a superuser.
 */
import type { Queryable } from './queryable.js';
import { quoteIdent } from './quote.js';

/** What the account is to one role. */
export interface RoleReach {
  readonly name: string;
  /** False when no role has that name (any more). */
  readonly exists: boolean;
  readonly superuser: boolean;
  /** The account is the role or a member of it (directly or not): it may `SET ROLE` to it. */
  readonly member: boolean;
}

interface ReachRow {
  readonly name: string;
  readonly superuser: boolean;
  readonly member: boolean;
}

const REACH_SQL = `SELECT r.rolname AS name, r.rolsuper AS superuser, pg_has_role(current_user, r.oid, 'MEMBER') AS member
FROM pg_roles r WHERE r.rolname = ANY($1::text[])`;

/** The account's reach to each named role (one query; unknown names come back as not existing). */
export async function reachOf(client: Queryable, names: Iterable<string>): Promise<Map<string, RoleReach>> {
  const wanted = [...new Set(names)];
  const out = new Map<string, RoleReach>();
  if (wanted.length === 0) return out;
  const rows = (await client.query<ReachRow>(REACH_SQL, [wanted])).rows;
  for (const r of rows) out.set(r.name, { name: r.name, exists: true, superuser: r.superuser, member: r.member });
  for (const name of wanted) if (!out.has(name)) out.set(name, { name, exists: false, superuser: false, member: false });
  return out;
}

/** The account may act as the role: it is a superuser, or the role itself or a member of it. */
export function canActAs(reach: RoleReach, accountIsSuperuser: boolean): boolean {
  return accountIsSuperuser || (reach.exists && reach.member);
}

/**
 * Why the account cannot act as a role, in one line with what an administrator can do; null
 * when it can. A superuser is never within reach by design: being a member of a superuser
 * role is being a superuser.
 */
export function whyNotActAs(reach: RoleReach, accountIsSuperuser: boolean): string | null {
  if (canActAs(reach, accountIsSuperuser)) return null;
  const who = quoteIdent(reach.name);
  if (!reach.exists) return `${who} no longer exists, so nobody can act as it; an administrator must make this change`;
  if (reach.superuser) return `${who} is a superuser, and Steward's account never acts as a superuser; an administrator must run this as ${who}`;
  return `Steward's account is not a member of ${who}; an administrator must run this as ${who} (making the account a member would also give it every power of ${who})`;
}
