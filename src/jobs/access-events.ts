/**
 * `access.granted` / `access.revoked` events derived from an applied plan: who (the database
 * login, and the Steward user it belongs to), on which objects, what access, through which
 * policy. Pure: the plan's operations, the desired state (who is a member of which role, which
 * tables a role holds) and two resolvers in; events out, one per (change, login, role).
 */
import { granteeName, type AccessState, type Grantee, type Privilege, type Securable } from '../domain/access.js';
import { encodePath } from '../domain/paths.js';
import type { Operation } from '../domain/plan.js';

/** What a grantee or member is: a policy's role, a personal role (MariaDB/MySQL), a group's role, or a login. */
export type RoleKind =
  | { readonly kind: 'policy'; readonly policy: string | null; readonly access: 'read' | 'write' }
  | { readonly kind: 'personal' }
  | { readonly kind: 'group' }
  | { readonly kind: 'login' };

export interface AccessEventInput {
  readonly connection: string;
  readonly operations: readonly Operation[];
  readonly desired: AccessState;
  readonly classify: (role: string) => RoleKind;
  /** The Steward user a database login belongs to, if any. */
  readonly userOf: (principal: string) => string | null;
}

export interface AccessEvent {
  readonly type: 'access.granted' | 'access.revoked';
  readonly connection: string;
  readonly data: {
    readonly connection: string;
    readonly user: string | null;
    readonly principal: string;
    readonly access: 'read' | 'write';
    readonly privileges: readonly Privilege[];
    readonly policy: string | null;
    readonly role: string | null;
    readonly objects: readonly string[];
    readonly objectCount: number;
    /** The change reverted drift (a grant made by hand, or one taken away by hand). */
    readonly drift: boolean;
  };
}

/** At most this many object paths per event; `objectCount` always tells the full number. */
export const MAX_OBJECTS_PER_EVENT = 200;

const WRITE: ReadonlySet<Privilege> = new Set(['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']);

/** A grantee by name (the user part of an account): events speak of logins and roles by name. */
const nameOf = (g: Grantee): string => granteeName(g) ?? 'PUBLIC';

export function accessEvents(input: AccessEventInput): AccessEvent[] {
  const membersOf = new Map<string, string[]>();
  const rolesOf = new Map<string, string[]>();
  for (const m of input.desired.memberships) {
    const member = nameOf(m.member);
    const list = membersOf.get(m.role) ?? [];
    list.push(member);
    membersOf.set(m.role, list);
    const up = rolesOf.get(member) ?? [];
    up.push(m.role);
    rolesOf.set(member, up);
  }
  const isPolicyRole = (r: string): boolean => input.classify(r).kind === 'policy';
  // A login reaches a policy role directly (PostgreSQL), through its personal role, or through a
  // group's role and then its personal role (MariaDB): follow members down to the logins.
  const loginsBehind = (member: string, depth = 0): readonly string[] =>
    input.classify(member).kind === 'login' || depth > 8 ? [member] : (membersOf.get(member) ?? []).flatMap((m) => loginsBehind(m, depth + 1));
  // The policy roles a role leads to: itself, or those it is a member of (a group's role).
  const policyRolesFrom = (role: string, depth = 0): readonly string[] =>
    isPolicyRole(role) ? [role] : depth > 8 ? [] : (rolesOf.get(role) ?? []).flatMap((r) => policyRolesFrom(r, depth + 1));
  // (login, policy role) pairs a plan only moves, not takes away: a membership revoked while the
  // login still reaches the role in the desired state (users moved into their group's role).
  // Neither its revocation nor the new way in is an access event.
  const reachedBy = new Map<string, ReadonlySet<string>>();
  const desiredRolesOf = (login: string): ReadonlySet<string> => {
    let set = reachedBy.get(login);
    if (set === undefined) reachedBy.set(login, (set = new Set((rolesOf.get(login) ?? []).flatMap((r) => policyRolesFrom(r)))));
    return set;
  };
  const moved = new Set<string>();
  for (const op of input.operations) {
    if (op.kind !== 'revokeMembership') continue;
    for (const granted of op.roles) {
      for (const role of policyRolesFrom(granted)) {
        for (const member of op.members) {
          for (const login of loginsBehind(nameOf(member))) if (desiredRolesOf(login).has(role)) moved.add(`${login}\u0000${role}`);
        }
      }
    }
  }
  // The tables each policy role a membership change reaches holds: collected for those roles
  // only (the desired grants are tables × policies; one membership needs one role's).
  const reached = new Set<string>();
  for (const op of input.operations) {
    if (op.kind === 'grantMembership' || op.kind === 'revokeMembership') for (const r of op.roles) for (const p of policyRolesFrom(r)) reached.add(p);
  }
  const tablesOf = new Map<string, { securables: Securable[]; privileges: Set<Privilege> }>();
  if (reached.size > 0) {
    for (const g of input.desired.grants) {
      if (g.securable.kind !== 'table' && g.securable.kind !== 'database') continue;
      const name = nameOf(g.grantee);
      if (!reached.has(name)) continue;
      const t = tablesOf.get(name) ?? { securables: [], privileges: new Set<Privilege>() };
      t.securables.push(g.securable);
      g.privileges.forEach((p) => t.privileges.add(p));
      tablesOf.set(name, t);
    }
  }

  const out = new Map<string, { type: AccessEvent['type']; principal: string; role: string | null; securables: Securable[]; privileges: Set<Privilege>; drift: boolean }>();
  const add = (type: AccessEvent['type'], principal: string, role: string | null, securables: readonly Securable[], privileges: Iterable<Privilege>, drift: boolean): void => {
    const key = `${type}\u0000${principal}\u0000${role ?? ''}`;
    const e = out.get(key) ?? { type, principal, role, securables: [], privileges: new Set<Privilege>(), drift: false };
    e.securables.push(...securables);
    for (const p of privileges) e.privileges.add(p);
    e.drift ||= drift;
    out.set(key, e);
  };

  for (const op of input.operations) {
    const drift = op.drift === true;
    if (op.kind === 'grantMembership' || op.kind === 'revokeMembership') {
      const type = op.kind === 'grantMembership' ? 'access.granted' : 'access.revoked';
      for (const granted of op.roles) {
        // A personal role handed to its login is plumbing, not access: it leads to no policy role
        // by itself here (its own memberships are changes of their own).
        if (input.classify(granted).kind === 'personal' && op.members.every((m) => input.classify(nameOf(m)).kind === 'login')) continue;
        for (const role of policyRolesFrom(granted)) {
          const held = tablesOf.get(role);
          for (const member of op.members) {
            for (const login of loginsBehind(nameOf(member))) {
              if (!moved.has(`${login}\u0000${role}`)) add(type, login, role, held?.securables ?? [], held?.privileges ?? [], drift);
            }
          }
        }
      }
    } else if (op.kind === 'grant' || op.kind === 'revoke') {
      const tables = op.securables.filter((s) => s.kind === 'table' || s.kind === 'database');
      if (tables.length === 0) continue;
      const type = op.kind === 'grant' ? 'access.granted' : 'access.revoked';
      for (const g of op.grantees) {
        const grantee = nameOf(g);
        if (isPolicyRole(grantee)) {
          for (const member of membersOf.get(grantee) ?? []) {
            for (const login of loginsBehind(member)) add(type, login, grantee, tables, op.privileges, drift);
          }
        } else if (input.classify(grantee).kind === 'login') {
          add(type, grantee, null, tables, op.privileges, drift);
        }
      }
    }
  }

  return [...out.values()].map((e): AccessEvent => {
    const k = e.role === null ? null : input.classify(e.role);
    const origin = k?.kind === 'policy' ? k : null;
    const privileges = [...e.privileges].sort();
    const paths = [...new Set(e.securables.map((s) => encodePath([input.connection, ...s.segments])))].sort();
    return {
      type: e.type,
      connection: input.connection,
      data: {
        connection: input.connection,
        user: input.userOf(e.principal),
        principal: e.principal,
        access: origin?.access ?? (privileges.some((p) => WRITE.has(p)) ? 'write' : 'read'),
        privileges,
        policy: origin?.policy ?? null,
        role: e.role,
        objects: paths.slice(0, MAX_OBJECTS_PER_EVENT),
        objectCount: paths.length,
        drift: e.drift,
      },
    };
  });
}
