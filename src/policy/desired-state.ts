import {
  roleGrantee,
  sortPrivileges,
  type AccessScope,
  type AccessState,
  type DefaultGrant,
  type DefaultRole,
  type Grant,
  type Grantee,
  type Membership,
  type Privilege,
  type RoleSpec,
  type Securable,
} from '../domain/access.js';
import { StewardError } from '../domain/errors.js';
import type { AccessType, Condition } from '../domain/policy.js';
import { cmp, compareDefaultGrants, compareGrantees, compareRoleSpecs, compareSegments, securableSortKey, sortMemberships } from '../domain/canonical-state.js';
import { buildCatalogIndex, type CatalogIndex, type RelationInfo } from './catalog-index.js';
import { compilePolicies, type CompiledGuardrail } from './compile-policies.js';
import type { UserPredicate } from './evaluate-condition.js';
import { governedUsers, type GovernedUser } from './governed-users.js';
import type { PolicyInput } from './input.js';
import { principalGrantee } from './principal-grantee.js';
import { groupRoleName, personalRoleName, policyRoleName } from './role-names.js';
import { compileGlobs, selectRelations, selectsFutureChildrenOf } from './select.js';

/** Where a role of the desired state comes from: for plan display and `explain`. */
export type RoleOrigin =
  | {
      readonly role: string;
      readonly purpose: 'policy';
      readonly policy: string;
      readonly access: AccessType;
      /** Guardrails every member also satisfies; empty for the policy's unrestricted role. */
      readonly guardrails: readonly string[];
    }
  | { readonly role: string; readonly purpose: 'personal'; readonly principal: string }
  | { readonly role: string; readonly purpose: 'group'; readonly group: string };

export interface DesiredState {
  /** Canonical: sorted and deduplicated (see `canonicalizeState`). */
  readonly state: AccessState;
  readonly scope: AccessScope;
  readonly explain: { readonly roles: readonly RoleOrigin[] };
}

interface RoleBuild {
  readonly name: string;
  readonly policy: string;
  readonly access: AccessType;
  readonly guardrails: readonly string[];
  /** Relation indices; may repeat when a policy is listed twice (the assembly dedupes). */
  readonly relations: number[];
  readonly containers: Set<number>;
  /** The containers array last added: relations of one schema share it, so it is added once. */
  lastContainers: readonly number[] | null;
  /** `container index \u0000 owner` of default grants. */
  readonly defaults: Set<string>;
  /** Sequences its writers need USAGE on (keyed by `securableSortKey`). */
  readonly sequences: Map<string, Securable>;
  /** Databases (container indices) granted whole, `ON db.*`: their current and future tables. */
  readonly databases: Set<number>;
  readonly members: Set<number>;
  /**
   * Steward groups whose group roles are its members instead of the users one by one (a
   * policy given to groups only, unrestricted by guardrails, on `groupRoles` platforms).
   */
  viaGroups: readonly string[] | null;
}

/**
 * Everything the policies imply for one connection: roles per policy (not grants per user),
 * memberships, privileges on protected relations and their containers, default privileges for
 * future tables, personal default roles where the platform needs them, and the scope the
 * planner may touch. Pure and deterministic: equal inputs give deep-equal outputs.
 *
 * Cost is in proportion to catalog + users × policies + what is granted: globs are compiled
 * once, each policy's user set is evaluated once, objects are selected through an index, and
 * there is no users × tables loop (roles carry the grants, users only get memberships).
 *
 * Throws `StewardError('invalid_input')` on a malformed glob, and `StewardError('conflict')`
 * when two different things would get the same role name (a 32-bit hash collision, or a
 * login named like a Steward role): silently merging them would grant one's access to the other.
 */
export function computeDesiredState(input: PolicyInput): DesiredState {
  const caps = input.capabilities;
  const prefix = input.options.rolePrefix;
  const protect = compileGlobs(input.options.protect, `connections.${input.connection}.protect`);
  const index = buildCatalogIndex(input.connection, input.catalog, caps.hierarchy, protect);
  const { subscriptions, guardrails } = compilePolicies(input.policies, input.now);
  const { governed } = governedUsers(input);
  const readPrivs = sortPrivileges(caps.readPrivileges);
  const writePrivs = sortPrivileges(caps.writePrivileges);

  const guards = guardrailSignatures(index, guardrails, caps.defaultPrivileges, caps.databaseGrants !== undefined);
  const wholeDatabases = wholeDatabaseGrants(input, index);
  const groupRoles = caps.groupRoles === true;
  const guardUsers = guardrails.map((g) => Uint8Array.from(governed, (u) => (g.to(u.user) ? 1 : 0)));
  const usersOf = userSetFinder(governed);

  const roles = new Map<string, RoleBuild>();
  const owners = new Map<number, string[]>();
  const ownersOf = (c: number): string[] => {
    let list = owners.get(c);
    if (list === undefined) {
      const set = new Set<string>();
      for (const r of index.containers[c]!.relations) {
        const rel = index.relations[r]!;
        if (rel.protected && rel.entry.owner !== null) set.add(rel.entry.owner);
      }
      list = [...set].sort(cmp);
      owners.set(c, list);
    }
    return list;
  };

  for (const sub of subscriptions) {
    if (!sub.active) continue;
    const p = sub.policy;
    const users = usersOf(p.to, sub.to);
    const partitions = new Map<number, RoleBuild>();
    const partition = (sig: number): RoleBuild => {
      const cached = partitions.get(sig);
      if (cached !== undefined) return cached;
      const names = guards.signatures[sig]!.map((g) => guardrails[g]!.policy.name);
      const name = policyRoleName({ prefix, policy: p.name, access: p.access, guardrails: names, maxLength: caps.maxRoleNameLength });
      let role = roles.get(name);
      // A role every member of some groups gets, whatever else they are: reached through the groups' roles.
      const groups = groupRoles && names.length === 0 ? onlyGroups(p.to) : null;
      if (role === undefined) {
        const members = new Set(users.filter((u) => guards.signatures[sig]!.every((g) => guardUsers[g]![u] === 1)));
        role = {
          name, policy: p.name, access: p.access, guardrails: names, relations: [], containers: new Set(), lastContainers: null,
          defaults: new Set(), sequences: new Map(), databases: new Set(), members, viaGroups: groups,
        };
        roles.set(name, role);
      } else if (role.policy !== p.name || role.access !== p.access || role.guardrails.join('\u0000') !== names.join('\u0000')) {
        throw new StewardError('conflict', `policies "${role.policy}" and "${p.name}" map to the same role name ${name}`, {
          hint: 'rename one of the policies',
        });
      } else {
        // The same policy listed twice: its users are the union (through groups only if both are).
        for (const u of users) if (guards.signatures[sig]!.every((g) => guardUsers[g]![u] === 1)) role.members.add(u);
        role.viaGroups = role.viaGroups !== null && groups !== null ? [...new Set([...role.viaGroups, ...groups])].sort(cmp) : null;
      }
      partitions.set(sig, role);
      return role;
    };
    const writes = p.access === 'write';
    const add = (role: RoleBuild, rel: RelationInfo): void => {
      role.relations.push(rel.index);
      if (rel.containers !== role.lastContainers) {
        for (const c of rel.containers) role.containers.add(c);
        role.lastContainers = rel.containers;
      }
      // Writing a table whose default calls nextval needs USAGE on the sequence (and its schema).
      if (writes && !rel.readOnly && caps.sequencePrivileges) {
        for (const seq of rel.sequences) {
          role.sequences.set(securableSortKey(seq.securable), seq.securable);
          for (const c of seq.containers) role.containers.add(c);
        }
      }
    };
    // A policy over a whole protected database is granted on the database (MySQL `ON db.*`):
    // one statement, and tables created later are covered at once. The grant goes to the role
    // restricted by every guardrail on anything in the database, now or later.
    const granted = new Map<number, number>();
    for (const [c, sig] of guards.databaseSig) {
      if (!wholeDatabases.fits[c] || !selectsFutureChildrenOf(sub.on, index.containers[c]!, true)) continue;
      partition(sig).databases.add(c);
      granted.set(c, sig);
    }
    for (const r of selectRelations(sub.on, index)) {
      const rel = index.relations[r]!;
      // Partitions are never selected on their own: they follow their partitioned table.
      if (!rel.protected || rel.partitionOf !== null) continue;
      // Covered by the database grant: same guardrails, and the privileges it carries (a write
      // policy's database grant is read-only in a database with views, which are never written).
      const db = rel.containers[0];
      if (db !== undefined && granted.get(db) === guards.relationSig[r] && (rel.readOnly || !writes || !wholeDatabases.withViews.has(db))) continue;
      const role = partition(guards.relationSig[r]!);
      add(role, rel);
      for (const part of rel.partitions) add(role, index.relations[part]!);
    }
    if (caps.defaultPrivileges) {
      for (const c of guards.futureSchemas) {
        const container = index.containers[c]!;
        if (!selectsFutureChildrenOf(sub.on, container, false)) continue;
        const schemaOwners = ownersOf(c);
        if (schemaOwners.length === 0) continue;
        // Default privileges go to the role restricted by every guardrail that could apply to a
        // future table here, so that a table (or partition) created before the next sync never
        // gets more than the policies would give it.
        const role = partition(guards.futureSig.get(c)!);
        for (const o of schemaOwners) role.defaults.add(`${c}\u0000${o}`);
        // Future tables must be reachable: the schema and its database.
        role.containers.add(c);
        const db = index.containerByKey.get(container.securable.segments[0]!);
        if (db !== undefined) role.containers.add(db);
      }
    }
  }

  return assemble(input, index, governed, [...roles.values()].sort((a, b) => cmp(a.name, b.name)), readPrivs, writePrivs, wholeDatabases.withViews);
}

/**
 * Which guardrails apply to each protected relation (as a signature id: equal sets, equal id;
 * a partition has its partitioned table's), and to the future tables of each schema whose
 * future children are protected: every guardrail that covers any future child (a glob, `all`,
 * a tag on the schema or database) or a partitioned table of the schema (a new partition is
 * governed with its parent). So default privileges never give a table created before the next
 * sync more than the policies give it once synced. (A new table has no tags of its own until
 * someone tags it, which a sync and apply follow.)
 */
function guardrailSignatures(
  index: CatalogIndex,
  guardrails: readonly CompiledGuardrail[],
  defaultPrivileges: boolean,
  databaseGrants: boolean,
): { signatures: number[][]; relationSig: Int32Array; futureSchemas: number[]; futureSig: Map<number, number>; databaseSig: Map<number, number> } {
  const signatures: number[][] = [[]];
  const ids = new Map<string, number>([['', 0]]);
  const idOf = (list: number[]): number => {
    const key = list.join(',');
    let id = ids.get(key);
    if (id === undefined) {
      id = signatures.length;
      signatures.push(list);
      ids.set(key, id);
    }
    return id;
  };
  const perRelation: (number[] | undefined)[] = new Array<number[] | undefined>(index.relations.length);
  const partitionedIn = guardrails.map(() => new Set<number>());
  guardrails.forEach((g, gi) => {
    for (const r of selectRelations(g.on, index)) {
      const rel = index.relations[r]!;
      if (!rel.protected || rel.partitionOf !== null) continue;
      (perRelation[r] ??= []).push(gi);
      if (rel.partitions.length > 0) for (const c of rel.containers) partitionedIn[gi]!.add(c);
    }
  });
  const relationSig = new Int32Array(index.relations.length);
  for (let r = 0; r < perRelation.length; r++) {
    const list = perRelation[r];
    if (list !== undefined) relationSig[r] = idOf(list);
  }
  for (const rel of index.relations) if (rel.partitionOf !== null) relationSig[rel.index] = relationSig[rel.partitionOf]!;
  const futureSchemas: number[] = [];
  const futureSig = new Map<number, number>();
  if (defaultPrivileges) {
    for (const c of index.containers) {
      if (!c.protectsFuture) continue;
      futureSchemas.push(c.index);
      const list: number[] = [];
      guardrails.forEach((g, gi) => {
        if (partitionedIn[gi]!.has(c.index) || selectsFutureChildrenOf(g.on, c, true)) list.push(gi);
      });
      futureSig.set(c.index, idOf(list));
    }
  }
  // Databases protected whole, where a database-level grant can stand for every table: its
  // role is restricted by every guardrail on a table there now, and on any created later.
  const databaseSig = new Map<number, number>();
  if (databaseGrants) {
    for (const c of index.containers) {
      if (c.securable.kind !== 'database' || !c.protectsFuture) continue;
      const list = new Set<number>();
      for (const r of c.relations) for (const g of signatures[relationSig[r]!]!) list.add(g);
      guardrails.forEach((g, gi) => {
        if (selectsFutureChildrenOf(g.on, c, true)) list.add(gi);
      });
      databaseSig.set(c.index, idOf([...list].sort((a, b) => a - b)));
    }
  }
  return { signatures, relationSig, futureSchemas, futureSig, databaseSig };
}

/**
 * Which databases can be granted whole (`capabilities.databaseGrants`): the escaped name fits
 * the server's limit; and which hold views (a write policy's database grant is then read-only).
 */
function wholeDatabaseGrants(input: PolicyInput, index: CatalogIndex): { fits: boolean[]; withViews: Set<number> } {
  const spec = input.capabilities.databaseGrants;
  const fits = index.containers.map((c) => {
    if (spec === undefined || c.securable.kind !== 'database') return false;
    const name = [...c.securable.segments[0]!];
    return name.length + name.filter((ch) => spec.escaped.includes(ch)).length <= spec.maxPatternLength;
  });
  const withViews = new Set<number>();
  if (spec !== undefined) for (const rel of index.relations) if (rel.readOnly && rel.containers[0] !== undefined) withViews.add(rel.containers[0]);
  return { fits, withViews };
}

/** The groups of a condition that is exactly "any of these groups", else null. */
function onlyGroups(cond: Condition): string[] | null {
  const keys = (Object.keys(cond) as (keyof Condition)[]).filter((k) => cond[k] !== undefined);
  if (keys.length !== 1 || keys[0] !== 'groups' || cond.groups!.length === 0) return null;
  return [...new Set(cond.groups)].sort(cmp);
}

/** Turn the per-role builds into the canonical state, scope and role origins. */
function assemble(
  input: PolicyInput,
  index: CatalogIndex,
  governed: readonly GovernedUser[],
  builds: readonly RoleBuild[],
  readPrivs: Privilege[],
  writePrivs: Privilege[],
  withViews: ReadonlySet<number>,
): DesiredState {
  const caps = input.capabilities;
  const prefix = input.options.rolePrefix;
  const containerPrivs = {
    database: sortPrivileges(caps.containerPrivileges.database),
    schema: sortPrivileges(caps.containerPrivileges.schema),
  };
  const personal = caps.singleActiveRole || caps.defaultRoles;
  const principalOf = principalGrantee(caps, input.options);
  const roleOf = new Map<string, Grantee>();
  const role = (name: string): Grantee => {
    let g = roleOf.get(name);
    if (g === undefined) roleOf.set(name, (g = roleGrantee(name)));
    return g;
  };

  const roleSpecs: RoleSpec[] = [];
  const origins: RoleOrigin[] = [];
  const taken = new Map<string, string>();
  const claim = (name: string, what: string): void => {
    const prior = taken.get(name);
    if (prior !== undefined && prior !== what) {
      throw new StewardError('conflict', `${prior} and ${what} map to the same role name ${name}`, {
        hint: 'rename one of them, or change the connection\'s rolePrefix',
      });
    }
    taken.set(name, what);
  };

  // Container grants bucketed by securable; roles are visited in name order, so each bucket is
  // sorted. Relation grants are many (tables × policies): they are packed as numbers
  // `relation * roles + role` and sorted once, which is canonical order without a comparator.
  const contBuckets: (Grant[] | undefined)[] = new Array<Grant[] | undefined>(index.containers.length);
  let pairCount = 0;
  for (const b of builds) pairCount += b.relations.length;
  const pairs = new Float64Array(pairCount);
  let pairAt = 0;
  const defaultGrants: DefaultGrant[] = [];
  const memberships: Membership[] = [];
  const rolesOfPrincipal = new Map<string, string[]>();
  const groupRoleOf = new Map<string, string>();
  const sequenceGrants: Grant[] = [];
  const usage = sortPrivileges(['USAGE']);

  builds.forEach((b, ordinal) => {
    claim(b.name, `policy "${b.policy}"`);
    const grantee = role(b.name);
    roleSpecs.push({ grantee, purpose: 'policy' });
    origins.push({ role: b.name, purpose: 'policy', policy: b.policy, access: b.access, guardrails: b.guardrails });
    const tablePrivs = b.access === 'write' ? writePrivs : readPrivs;
    for (const r of b.relations) pairs[pairAt++] = r * builds.length + ordinal;
    for (const c of new Set([...b.containers, ...b.databases])) {
      const securable = index.containers[c]!.securable;
      // Reaching the container, and (a database granted whole) its tables' privileges.
      const whole = !b.databases.has(c) ? [] : b.access === 'write' && !withViews.has(c) ? writePrivs : readPrivs;
      const privileges = b.containers.has(c) ? sortPrivileges([...containerPrivs[securable.kind], ...whole]) : whole;
      if (privileges.length > 0) (contBuckets[c] ??= []).push({ securable, grantee, privileges });
    }
    for (const securable of b.sequences.values()) sequenceGrants.push({ securable, grantee, privileges: usage });
    for (const d of b.defaults) {
      const [c, owner] = d.split('\u0000') as [string, string];
      const segments = index.containers[Number(c)]!.securable.segments;
      if (tablePrivs.length > 0) {
        defaultGrants.push({ database: segments[0]!, schema: segments[1]!, owner, objects: 'tables', grantee, privileges: tablePrivs });
      }
      // Future tables with serial columns must be writable at once: USAGE on future sequences.
      if (b.access === 'write' && caps.sequencePrivileges) {
        defaultGrants.push({ database: segments[0]!, schema: segments[1]!, owner, objects: 'sequences', grantee, privileges: usage });
      }
    }
    if (b.viaGroups !== null) {
      for (const group of b.viaGroups) {
        let g = groupRoleOf.get(group);
        if (g === undefined) groupRoleOf.set(group, (g = groupRoleName({ prefix, group, maxLength: caps.maxRoleNameLength })));
        memberships.push({ role: b.name, member: role(g) });
      }
      return;
    }
    for (const u of b.members) {
      const principal = governed[u]!.principal;
      let list = rolesOfPrincipal.get(principal);
      if (list === undefined) rolesOfPrincipal.set(principal, (list = []));
      list.push(b.name);
    }
  });

  // Group roles: every governed user of the group, through their personal role.
  for (const [group, name] of [...groupRoleOf].sort((a, b) => cmp(a[0], b[0]))) {
    claim(name, `the role of group "${group}"`);
    roleSpecs.push({ grantee: role(name), purpose: 'group' });
    origins.push({ role: name, purpose: 'group', group });
  }
  if (groupRoleOf.size > 0) {
    for (const g of governed) {
      for (const group of new Set(g.user.groups)) {
        const name = groupRoleOf.get(group);
        if (name === undefined) continue;
        let list = rolesOfPrincipal.get(g.principal);
        if (list === undefined) rolesOfPrincipal.set(g.principal, (list = []));
        list.push(name);
      }
    }
  }

  const defaultRoles: DefaultRole[] = [];
  // With personal roles every governed principal has one from the start, so that a first
  // access is one membership grant too (not a new role, a membership and a default role).
  const logins = personal ? [...new Set(governed.map((g) => g.principal))].sort(cmp) : [...rolesOfPrincipal.keys()].sort(cmp);
  for (const principal of logins) {
    const policyRoles = [...new Set(rolesOfPrincipal.get(principal) ?? [])];
    if (personal) {
      // One personal role per login, member of its policy (and group) roles and set as its
      // default role: MariaDB activates only one role; on MySQL 8 it keeps the default role
      // fixed, so joining a group is one membership grant instead of a new SET DEFAULT ROLE list.
      const name = personalRoleName({ prefix, principal, maxLength: caps.maxRoleNameLength });
      claim(name, `the personal role of "${principal}"`);
      roleSpecs.push({ grantee: role(name), purpose: 'personal' });
      origins.push({ role: name, purpose: 'personal', principal });
      for (const r of policyRoles) memberships.push({ role: r, member: role(name) });
      memberships.push({ role: name, member: principalOf(principal) });
      defaultRoles.push({ user: principalOf(principal), role: name });
    } else {
      for (const r of policyRoles) memberships.push({ role: r, member: principalOf(principal) });
    }
  }
  for (const principal of logins) {
    claim(principal, `the login "${principal}"`);
    roleSpecs.push({ grantee: principalOf(principal), purpose: 'principal' });
  }

  const grants: Grant[] = [];
  for (const bucket of contBuckets) if (bucket !== undefined) grants.push(...bucket);
  pairs.sort();
  for (let i = 0; i < pairs.length; i++) {
    const packed = pairs[i]!;
    if (i > 0 && packed === pairs[i - 1]) continue;
    const rel = index.relations[Math.floor(packed / builds.length)]!;
    const b = builds[packed % builds.length]!;
    const privileges = rel.readOnly || b.access === 'read' ? readPrivs : writePrivs;
    if (privileges.length > 0) grants.push({ securable: rel.securable, grantee: role(b.name), privileges });
  }
  sequenceGrants.sort((a, b) => compareSegments(a.securable.segments, b.securable.segments) || compareGrantees(a.grantee, b.grantee));
  for (let i = 0; i < sequenceGrants.length; i++) {
    const g = sequenceGrants[i]!;
    const prev = sequenceGrants[i - 1];
    if (prev !== undefined && compareSegments(prev.securable.segments, g.securable.segments) === 0 && compareGrantees(prev.grantee, g.grantee) === 0) continue;
    grants.push(g);
  }

  const state: AccessState = {
    roles: roleSpecs.sort(compareRoleSpecs),
    memberships: sortMemberships(memberships),
    grants,
    defaultGrants: defaultGrants.sort(compareDefaultGrants),
    defaultRoles: defaultRoles.sort((a, b) => compareGrantees(a.user, b.user)),
  };

  const scope: AccessScope = {
    rolePrefix: prefix,
    principals: [...new Set(governed.map((u) => u.principal))].sort(cmp).map(principalOf),
    protectedTables: index.relations.filter((r) => r.protected).map((r): Securable => r.securable),
    protectedSequences: protectedSequences(index),
    containers: index.containers.filter((c) => c.inScope).map((c): Securable => c.securable),
    databases: [...new Set(input.catalog.filter((e) => e.kind === 'database').map((e) => e.segments[0]!))].sort(cmp),
    protectedDatabases: index.containers.filter((c) => c.securable.kind === 'database' && c.protectsFuture).map((c) => c.securable.segments[0]!),
    ...(caps.databaseGrants !== undefined ? { unprotectedTables: unprotectedBesideProtected(index) } : {}),
    ignoredGrantees: [...new Set([...input.options.ignoreGrantees, input.systemAccount])].sort(cmp),
    defaultOwners: [...new Set(defaultGrants.map((d) => d.owner))].sort(cmp),
  };

  return { state, scope, explain: { roles: origins.sort((a, b) => cmp(a.role, b.role)) } };
}

/**
 * Which governed users (indices) a policy's `to` picks. Conditions that are only a list of
 * groups or of user names, the usual case, are answered from an index instead of running the
 * predicate over every user; anything else runs the compiled predicate once per user.
 */
function userSetFinder(governed: readonly GovernedUser[]): (cond: Condition, pred: UserPredicate) => number[] {
  const byGroup = new Map<string, number[]>();
  const byName = new Map<string, number[]>();
  governed.forEach((g, i) => {
    for (const group of new Set(g.user.groups)) pushTo(byGroup, group, i);
    pushTo(byName, g.user.name, i);
  });
  return (cond, pred) => {
    const keys = (Object.keys(cond) as (keyof Condition)[]).filter((k) => cond[k] !== undefined);
    const only = keys.length === 1 ? keys[0] : undefined;
    if (only === 'groups' && cond.groups!.length > 0) return unionOf(cond.groups!.map((g) => byGroup.get(g) ?? []));
    if (only === 'users' && cond.users!.length > 0) return unionOf(cond.users!.map((u) => byName.get(u) ?? []));
    const out: number[] = [];
    // Groups ANDed with more keys: only members of those groups can hold, so the predicate
    // runs over them instead of over every user.
    if (cond.groups !== undefined && cond.groups.length > 0) {
      for (const i of unionOf(cond.groups.map((g) => byGroup.get(g) ?? []))) if (pred(governed[i]!.user)) out.push(i);
      return out;
    }
    governed.forEach((g, i) => {
      if (pred(g.user)) out.push(i);
    });
    return out;
  };
}

function pushTo(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function unionOf(lists: readonly (readonly number[])[]): number[] {
  const all = Int32Array.from(lists.flat()).sort();
  const out: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) out.push(all[i]!);
  return out;
}

/** Sequences feeding defaults of protected tables, in canonical order, once each. */
function protectedSequences(index: CatalogIndex): Securable[] {
  const out = new Map<string, Securable>();
  for (const rel of index.relations) if (rel.protected) for (const s of rel.sequences) out.set(securableSortKey(s.securable), s.securable);
  return [...out.values()].sort((a, b) => compareSegments(a.segments, b.segments));
}

/**
 * Unprotected relations in databases that hold protected ones (platforms with database-level
 * grants): what a foreign grant on such a database is narrowed to.
 */
function unprotectedBesideProtected(index: CatalogIndex): Securable[] {
  const out: Securable[] = [];
  for (const c of index.containers) {
    if (c.securable.kind !== 'database' || c.protectsFuture || !c.relations.some((r) => index.relations[r]!.protected)) continue;
    for (const r of c.relations) if (!index.relations[r]!.protected) out.push(index.relations[r]!.securable);
  }
  return out;
}
