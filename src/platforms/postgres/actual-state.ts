import { sortPrivileges, type AccessScope, type AccessState, type DefaultGrant, type Grant, type Privilege, type RoleSpec } from '../../domain/access.js';
import {
  actualStateSql,
  type ContainerGrantRow,
  type DefaultGrantRow,
  type MembershipRow,
  type NameRow,
  type RelationAclRow,
} from './actual-state.sql.js';
import { parseRelationAclItem } from './parse-aclitem.js';
import type { PostgresContext } from './context.js';
import { ACL_PRIVILEGES } from './privilege-names.js';

function privileges(joined: string): Privilege[] {
  const out: Privilege[] = [];
  for (const name of joined.split(',')) {
    const p = ACL_PRIVILEGES.get(name);
    if (p) out.push(p);
  }
  return sortPrivileges(out);
}

/** Items grouped by database, for one query per kind per database. */
function byDatabase<T>(items: readonly T[], database: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const db = database(item);
    let list = out.get(db);
    if (!list) out.set(db, (list = []));
    list.push(item);
  }
  return out;
}

function rolePurpose(name: string, prefix: string): RoleSpec['purpose'] {
  if (!name.startsWith(prefix)) return 'principal';
  return name.startsWith(`${prefix}u_`) ? 'personal' : 'policy';
}

/**
 * Read what the database says about everything in `scope`, in the neutral model:
 * - roles: prefix roles (policy, or personal when `${prefix}u_…`) and existing principals;
 * - memberships in prefix roles, whoever the member (but ignored grantees: the system account);
 * - on protected tables, every grantee's privileges but the owner's and ignored grantees';
 * - on containers (databases, schemas), only prefix roles' CONNECT / USAGE, wherever they are;
 * - prefix roles' table privileges on any relation of the connection's databases;
 * - per-schema default privileges on tables whose grantee is a prefix role, in every database
 *   the scope touches.
 * Roles and memberships are cluster-wide (read on the default database); the rest is one query
 * per kind per database. `defaultRoles` is always empty: PostgreSQL activates every role.
 */
export async function readActualState(ctx: PostgresContext, scope: AccessScope): Promise<AccessState> {
  const prefix = scope.rolePrefix;
  const ignored = new Set(scope.ignoredGrantees);
  const main = await ctx.clientFor(null);

  const rolesQ = actualStateSql.roles(prefix, scope.principals);
  const roles: RoleSpec[] = (await main.query<NameRow>(rolesQ.text, rolesQ.values)).rows.map((r) => ({
    name: r.name,
    purpose: rolePurpose(r.name, prefix),
  }));

  const membershipsQ = actualStateSql.memberships(prefix, scope.ignoredGrantees);
  const memberships = (await main.query<MembershipRow>(membershipsQ.text, membershipsQ.values)).rows.map((r) => ({ role: r.role, member: r.member }));

  const grants: Grant[] = [];
  const databaseContainers = scope.containers.filter((c) => c.kind === 'database').map((c) => c.segments[0]!);
  const q0 = actualStateSql.databaseGrants(prefix);
  for (const r of (await main.query<ContainerGrantRow>(q0.text, q0.values)).rows) {
    grants.push({ securable: { kind: 'database', segments: [r.object] }, grantee: r.grantee, privileges: privileges(r.privileges) });
  }

  const tablesByDb = byDatabase(
    scope.protectedTables.filter((t) => t.kind === 'table'),
    (t) => t.segments[0]!,
  );
  // Steward roles' grants are read in every database of the connection; others' only on protected tables.
  const databases = new Set([...scope.databases, ...databaseContainers, ...tablesByDb.keys()]);

  const defaultGrants: DefaultGrant[] = [];
  for (const db of databases) {
    const client = await ctx.clientFor(db);
    const sq = actualStateSql.schemaGrants(prefix);
    for (const r of (await client.query<ContainerGrantRow>(sq.text, sq.values)).rows) {
      grants.push({ securable: { kind: 'schema', segments: [db, r.object] }, grantee: r.grantee, privileges: privileges(r.privileges) });
    }
    const protectedHere = new Set((tablesByDb.get(db) ?? []).map((t) => `${t.segments[1]!}\u0000${t.segments[2]!}`));
    const rq = actualStateSql.relationAcls();
    for (const r of (await client.query<RelationAclRow>(rq.text, rq.values)).rows) {
      // One grantee may appear once per grantor: merge its items.
      const byGrantee = new Map<string, Privilege[]>();
      for (const it of r.items.map(parseRelationAclItem)) {
        if (it === null || it.grantee === r.owner || ignored.has(it.grantee)) continue;
        byGrantee.set(it.grantee, [...(byGrantee.get(it.grantee) ?? []), ...it.privileges]);
      }
      for (const [grantee, list] of byGrantee) {
        const privs = sortPrivileges(list);
        if (privs.length === 0) continue;
        const own = grantee.startsWith(prefix);
        for (let k = 0; k < r.names.length; k++) {
          const schema = r.schemas[k]!;
          const name = r.names[k]!;
          if (!own && !protectedHere.has(`${schema}\u0000${name}`)) continue;
          grants.push({ securable: { kind: 'table', segments: [db, schema, name] }, grantee, privileges: privs });
        }
      }
    }
    const q = actualStateSql.defaultGrants(prefix);
    for (const r of (await client.query<DefaultGrantRow>(q.text, q.values)).rows) {
      defaultGrants.push({ database: db, schema: r.schema, owner: r.owner, grantee: r.grantee, privileges: privileges(r.privileges) });
    }
  }

  return { roles, memberships, grants, defaultGrants, defaultRoles: [] };
}
