import { purposeOfRoleName } from '../../policy/role-names.js';
import {
  isIgnoredGrantee,
  roleGrantee,
  sortPrivileges,
  type AccessScope,
  type AccessState,
  type BlockedGrantor,
  type DefaultGrant,
  type Grant,
  type Grantee,
  type Membership,
  type Privilege,
  type RoleSpec,
} from '../../domain/access.js';
import {
  actualStateSql,
  type ColumnAclRow,
  type ContainerGrantRow,
  type DefaultGrantRow,
  type MembershipRow,
  type NameRow,
  type RelationAclRow,
  type SessionRow,
} from './actual-state.sql.js';
import { cmp, compareGrantees } from '../../domain/canonical-state.js';
import { reachOf, whyNotActAs } from './acting-as.js';
import { COLUMN_LETTERS, parseAclItem, RELATION_LETTERS, SEQUENCE_LETTERS, type AclItem } from './parse-aclitem.js';
import type { PostgresContext } from './context.js';
import { ACL_PRIVILEGES } from './privilege-names.js';
import { databaseVanished } from './list-databases.js';

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
  return purposeOfRoleName(name, prefix);
}

const key2 = (a: string, b: string): string => `${a}\u0000${b}`;

/** Database and schema grant rows in canonical order: by object name, then grantee. */
const byObjectThenGrantee = (a: ContainerGrantRow, b: ContainerGrantRow): number => cmp(a.object, b.object) || cmp(a.grantee, b.grantee);

/**
 * Read what the database says about everything in `scope`, in the neutral model:
 * - roles: prefix roles (policy, personal `${prefix}u_…` or group `${prefix}g_…`: `purposeOfRoleName`) and existing principals;
 * - memberships in prefix roles, whoever the member (but ignored grantees: the system account);
 * - on protected tables (partitions included), their columns and the sequences of their
 *   defaults: every grantee's privileges but the owner's and ignored grantees', with the
 *   grantor of each ACL item (a REVOKE removes only what its issuer granted);
 * - on containers (databases, schemas), only prefix roles' CONNECT / USAGE, wherever they are;
 * - prefix roles' privileges on any table or sequence of the connection's databases;
 * - per-schema default privileges on tables and sequences whose grantee is a prefix role.
 * Roles the account would have to act as are checked once — grantors other than itself, the
 * owners of those default privileges and the owners the desired state sets default privileges
 * for (`scope.defaultOwners`, set `FOR ROLE` the owner) — and those it may not act as are
 * returned as `blockedGrantors`, with why.
 * Roles and memberships are cluster-wide (read on the default database); the rest is one query
 * per kind per database. `defaultRoles` is always empty: PostgreSQL activates every role.
 */
export async function readActualState(ctx: PostgresContext, scope: AccessScope): Promise<AccessState> {
  const prefix = scope.rolePrefix;
  const ignored = new Set(scope.ignoredGrantees);
  const main = await ctx.clientFor(null);

  const sessionQ = actualStateSql.session();
  const session = (await main.query<SessionRow>(sessionQ.text, sessionQ.values)).rows[0];
  const me = session?.user ?? '';

  const principalNames = scope.principals.flatMap((p) => (p.kind === 'role' ? [p.name] : []));
  const rolesQ = actualStateSql.roles(prefix, principalNames);
  const roles: RoleSpec[] = (await main.query<NameRow>(rolesQ.text, rolesQ.values)).rows.map((r) => ({
    grantee: roleGrantee(r.name),
    purpose: rolePurpose(r.name, prefix),
  }));

  const membershipsQ = actualStateSql.memberships(prefix, scope.ignoredGrantees);
  const memberships: Membership[] = [];
  for (const r of (await main.query<MembershipRow>(membershipsQ.text, membershipsQ.values)).rows) {
    for (const member of JSON.parse(r.members) as string[]) memberships.push({ role: r.role, member: roleGrantee(member) });
  }

  // Grants by kind, each list filled database by database in name order and sorted within one,
  // so that their concatenation is in canonical order (`compareGrants`: kind, segments, grantee)
  // and the planner's diff finds it sorted instead of ordering 60,000 grants again (S1).
  const byKind = { database: [] as Grant[], schema: [] as Grant[], table: [] as Grant[], sequence: [] as Grant[], column: [] as Grant[] };
  const databaseContainers = scope.containers.filter((c) => c.kind === 'database').map((c) => c.segments[0]!);
  // A scope without databases (roles and memberships only, see membership-scope.ts) reads no grants.
  if (scope.databases.length > 0 || databaseContainers.length > 0) {
    const q0 = actualStateSql.databaseGrants(prefix);
    const rows = (await main.query<ContainerGrantRow>(q0.text, q0.values)).rows.sort(byObjectThenGrantee);
    for (const r of rows) {
      byKind.database.push({ securable: { kind: 'database', segments: [r.object] }, grantee: roleGrantee(r.grantee), privileges: privileges(r.privileges) });
    }
  }

  const tablesByDb = byDatabase(
    scope.protectedTables.filter((t) => t.kind === 'table'),
    (t) => t.segments[0]!,
  );
  const sequencesByDb = byDatabase(scope.protectedSequences, (t) => t.segments[0]!);
  // Steward roles' grants are read in every database of the connection; others' only on protected objects.
  const databases = [...new Set([...scope.databases, ...databaseContainers, ...tablesByDb.keys()])].sort(cmp);
  const grantors = new Set<string>();
  const interned = new Map<string, Grantee>();
  const intern = (g: Grantee): Grantee => {
    if (g.kind !== 'role') return g;
    let hit = interned.get(g.name);
    if (hit === undefined) interned.set(g.name, (hit = g));
    return hit;
  };

  const defaultGrants: DefaultGrant[] = [];
  for (const db of databases) {
    let client: Awaited<ReturnType<PostgresContext['clientFor']>>;
    try {
      client = await ctx.clientFor(db);
    } catch (err) {
      // A database dropped since the last sync holds nothing any more.
      if (await databaseVanished(ctx, db)) continue;
      throw err;
    }
    const sq = actualStateSql.schemaGrants(prefix);
    const schemaRows = (await client.query<ContainerGrantRow>(sq.text, sq.values)).rows.sort(byObjectThenGrantee);
    for (const r of schemaRows) {
      byKind.schema.push({ securable: { kind: 'schema', segments: [db, r.object] }, grantee: roleGrantee(r.grantee), privileges: privileges(r.privileges) });
    }
    const protectedHere = new Set((tablesByDb.get(db) ?? []).map((t) => key2(t.segments[1]!, t.segments[2]!)));
    const sequencesHere = new Set((sequencesByDb.get(db) ?? []).map((t) => key2(t.segments[1]!, t.segments[2]!)));

    /** In-scope items of one ACL: merged per (grantee, grantor), the owner's and ignored grantees' left out. */
    const inScope = (items: readonly string[], owner: string, letters: Readonly<Record<string, Privilege>>): AclItem[] => {
      const merged = new Map<string, { grantee: Grantee; grantor: string; privileges: Privilege[] }>();
      for (const text of items) {
        const it = parseAclItem(text, letters);
        if (it === null || it.privileges.length === 0) continue;
        if (it.grantee.kind === 'role' && it.grantee.name === owner) continue;
        if (isIgnoredGrantee(it.grantee, ignored)) continue;
        const k = `${it.grantee.kind === 'role' ? it.grantee.name : '\u0000public'}\u0001${it.grantor}`;
        const prior = merged.get(k);
        if (prior) prior.privileges.push(...it.privileges);
        else merged.set(k, { grantee: intern(it.grantee), grantor: it.grantor, privileges: [...it.privileges] });
      }
      // In grantee order (roles by name, PUBLIC first), as canonical grants are.
      return [...merged.values()]
        .map((m) => ({ grantee: m.grantee, grantor: m.grantor, privileges: sortPrivileges(m.privileges) }))
        .sort((a, b) => compareGrantees(a.grantee, b.grantee));
    };
    const push = (into: Grant[], securable: Grant['securable'], it: AclItem): void => {
      const grantor = it.grantor === me ? undefined : it.grantor;
      if (grantor !== undefined) grantors.add(grantor);
      into.push({ securable, grantee: it.grantee, privileges: it.privileges, ...(grantor !== undefined ? { grantor } : {}) });
    };

    // Relations come grouped by ACL; each is listed once, then all are taken in name order.
    interface Relation {
      readonly schema: string;
      readonly name: string;
      readonly governed: boolean;
      readonly items: readonly AclItem[];
      readonly own: readonly boolean[];
    }
    const relations: { table: Relation[]; sequence: Relation[] } = { table: [], sequence: [] };
    const rq = actualStateSql.relationAcls();
    for (const r of (await client.query<RelationAclRow>(rq.text, rq.values)).rows) {
      const sequence = r.kind === 'S';
      const governed = sequence ? sequencesHere : protectedHere;
      const items = inScope(r.items, r.owner, sequence ? SEQUENCE_LETTERS : RELATION_LETTERS);
      if (items.length === 0) continue;
      const own = items.map((it) => it.grantee.kind === 'role' && it.grantee.name.startsWith(prefix));
      const anyOwn = own.includes(true);
      for (let k = 0; k < r.names.length; k++) {
        const schema = r.schemas[k]!;
        const name = r.names[k]!;
        const isGoverned = governed.has(key2(schema, name));
        if (isGoverned || anyOwn) (sequence ? relations.sequence : relations.table).push({ schema, name, governed: isGoverned, items, own });
      }
    }
    for (const kind of ['table', 'sequence'] as const) {
      const list = relations[kind].sort((a, b) => cmp(a.schema, b.schema) || cmp(a.name, b.name));
      for (const rel of list) {
        // One securable per relation, shared by its grants.
        const securable: Grant['securable'] = { kind, segments: [db, rel.schema, rel.name] };
        rel.items.forEach((it, i) => {
          if (rel.governed || rel.own[i]) push(byKind[kind], securable, it);
        });
      }
    }
    const cq = actualStateSql.columnAcls();
    const columnRows = (await client.query<ColumnAclRow>(cq.text, cq.values)).rows.sort(
      (a, b) => cmp(a.schema, b.schema) || cmp(a.relation, b.relation) || cmp(a.column, b.column),
    );
    for (const r of columnRows) {
      const governed = protectedHere.has(key2(r.schema, r.relation));
      const securable: Grant['securable'] = { kind: 'column', segments: [db, r.schema, r.relation, r.column] };
      for (const it of inScope(r.items, r.owner, COLUMN_LETTERS)) {
        const own = it.grantee.kind === 'role' && it.grantee.name.startsWith(prefix);
        if (governed || own) push(byKind.column, securable, it);
      }
    }
    const q = actualStateSql.defaultGrants(prefix);
    for (const r of (await client.query<DefaultGrantRow>(q.text, q.values)).rows) {
      grantors.add(r.owner);
      defaultGrants.push({
        database: db,
        schema: r.schema,
        owner: r.owner,
        objects: r.objtype === 'S' ? 'sequences' : 'tables',
        grantee: roleGrantee(r.grantee),
        privileges: privileges(r.privileges),
      });
    }
  }

  for (const owner of scope.defaultOwners ?? []) grantors.add(owner);
  grantors.delete(me);
  const blockedGrantors = await blockedOf(ctx, [...grantors], session?.superuser === true);
  const grants = [...byKind.database, ...byKind.schema, ...byKind.table, ...byKind.sequence, ...byKind.column];
  return { roles, memberships, grants, defaultGrants, defaultRoles: [], ...(blockedGrantors.length > 0 ? { blockedGrantors } : {}) };
}

/** Roles among `names` the session cannot act as (see `acting-as.ts`), with why. */
async function blockedOf(ctx: PostgresContext, names: readonly string[], superuser: boolean): Promise<BlockedGrantor[]> {
  if (names.length === 0 || superuser) return [];
  const reach = await reachOf(await ctx.clientFor(null), names);
  const out: BlockedGrantor[] = [];
  for (const name of [...names].sort()) {
    const reason = whyNotActAs(reach.get(name)!, superuser);
    if (reason !== null) out.push({ grantor: name, reason });
  }
  return out;
}
