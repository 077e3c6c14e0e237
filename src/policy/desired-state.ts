import {
  sortPrivileges,
  type AccessScope,
  type AccessState,
  type DefaultGrant,
  type DefaultRole,
  type Grant,
  type Membership,
  type Privilege,
  type RoleSpec,
  type Securable,
} from '../domain/access.js';
import { StewardError } from '../domain/errors.js';
import type { AccessType, Condition } from '../domain/policy.js';
import { cmp } from '../domain/canonical-state.js';
import { buildCatalogIndex, type CatalogIndex } from './catalog-index.js';
import { compilePolicies, type CompiledGuardrail } from './compile-policies.js';
import type { UserPredicate } from './evaluate-condition.js';
import { governedUsers, type GovernedUser } from './governed-users.js';
import type { PolicyInput } from './input.js';
import { personalRoleName, policyRoleName } from './role-names.js';
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
  | { readonly role: string; readonly purpose: 'personal'; readonly principal: string };

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
  readonly members: Set<number>;
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

  const guards = guardrailSignatures(index, guardrails, caps.defaultPrivileges);
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
      if (role === undefined) {
        const members = new Set(users.filter((u) => guards.signatures[sig]!.every((g) => guardUsers[g]![u] === 1)));
        role = { name, policy: p.name, access: p.access, guardrails: names, relations: [], containers: new Set(), lastContainers: null, defaults: new Set(), members };
        roles.set(name, role);
      } else if (role.policy !== p.name || role.access !== p.access || role.guardrails.join('\u0000') !== names.join('\u0000')) {
        throw new StewardError('conflict', `policies "${role.policy}" and "${p.name}" map to the same role name ${name}`, {
          hint: 'rename one of the policies',
        });
      } else {
        // The same policy listed twice: its users are the union.
        for (const u of users) if (guards.signatures[sig]!.every((g) => guardUsers[g]![u] === 1)) role.members.add(u);
      }
      partitions.set(sig, role);
      return role;
    };
    for (const r of selectRelations(sub.on, index)) {
      const rel = index.relations[r]!;
      if (!rel.protected) continue;
      const role = partition(guards.relationSig[r]!);
      role.relations.push(r);
      if (rel.containers !== role.lastContainers) {
        for (const c of rel.containers) role.containers.add(c);
        role.lastContainers = rel.containers;
      }
    }
    if (caps.defaultPrivileges) {
      for (const c of guards.futureSchemas) {
        const container = index.containers[c]!;
        if (!selectsFutureChildrenOf(sub.on, container, false)) continue;
        const schemaOwners = ownersOf(c);
        if (schemaOwners.length === 0) continue;
        const role = partition(guards.futureSig.get(c)!);
        for (const o of schemaOwners) role.defaults.add(`${c}\u0000${o}`);
        // Future tables must be reachable: the schema and its database.
        role.containers.add(c);
        const db = index.containerByKey.get(container.securable.segments[0]!);
        if (db !== undefined) role.containers.add(db);
      }
    }
  }

  return assemble(input, index, governed, [...roles.values()].sort((a, b) => cmp(a.name, b.name)), readPrivs, writePrivs);
}

/**
 * Which guardrails apply to each protected relation (as a signature id: equal sets, equal id),
 * and to the future tables of each schema whose future children are protected.
 */
function guardrailSignatures(
  index: CatalogIndex,
  guardrails: readonly CompiledGuardrail[],
  defaultPrivileges: boolean,
): { signatures: number[][]; relationSig: Int32Array; futureSchemas: number[]; futureSig: Map<number, number> } {
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
  guardrails.forEach((g, gi) => {
    for (const r of selectRelations(g.on, index)) {
      if (!index.relations[r]!.protected) continue;
      (perRelation[r] ??= []).push(gi);
    }
  });
  const relationSig = new Int32Array(index.relations.length);
  for (let r = 0; r < perRelation.length; r++) {
    const list = perRelation[r];
    if (list !== undefined) relationSig[r] = idOf(list);
  }
  const futureSchemas: number[] = [];
  const futureSig = new Map<number, number>();
  if (defaultPrivileges) {
    for (const c of index.containers) {
      if (!c.protectsFuture) continue;
      futureSchemas.push(c.index);
      const list: number[] = [];
      guardrails.forEach((g, gi) => {
        if (selectsFutureChildrenOf(g.on, c, true)) list.push(gi);
      });
      futureSig.set(c.index, idOf(list));
    }
  }
  return { signatures, relationSig, futureSchemas, futureSig };
}

/** Turn the per-role builds into the canonical state, scope and role origins. */
function assemble(
  input: PolicyInput,
  index: CatalogIndex,
  governed: readonly GovernedUser[],
  builds: readonly RoleBuild[],
  readPrivs: Privilege[],
  writePrivs: Privilege[],
): DesiredState {
  const caps = input.capabilities;
  const prefix = input.options.rolePrefix;
  const containerPrivs = {
    database: sortPrivileges(caps.containerPrivileges.database),
    schema: sortPrivileges(caps.containerPrivileges.schema),
  };
  const personal = caps.singleActiveRole || caps.defaultRoles;

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

  builds.forEach((b, ordinal) => {
    claim(b.name, `policy "${b.policy}"`);
    roleSpecs.push({ name: b.name, purpose: 'policy' });
    origins.push({ role: b.name, purpose: 'policy', policy: b.policy, access: b.access, guardrails: b.guardrails });
    const tablePrivs = b.access === 'write' ? writePrivs : readPrivs;
    for (const r of b.relations) pairs[pairAt++] = r * builds.length + ordinal;
    for (const c of b.containers) {
      const securable = index.containers[c]!.securable;
      const privileges = containerPrivs[securable.kind];
      if (privileges.length > 0) (contBuckets[c] ??= []).push({ securable, grantee: b.name, privileges });
    }
    for (const d of b.defaults) {
      const [c, owner] = d.split('\u0000') as [string, string];
      const segments = index.containers[Number(c)]!.securable.segments;
      if (tablePrivs.length > 0) {
        defaultGrants.push({ database: segments[0]!, schema: segments[1]!, owner, grantee: b.name, privileges: tablePrivs });
      }
    }
    for (const u of b.members) {
      const principal = governed[u]!.principal;
      let list = rolesOfPrincipal.get(principal);
      if (list === undefined) rolesOfPrincipal.set(principal, (list = []));
      list.push(b.name);
    }
  });

  const defaultRoles: DefaultRole[] = [];
  const principalsWithAccess = [...rolesOfPrincipal.keys()].sort(cmp);
  for (const principal of principalsWithAccess) {
    const policyRoles = [...new Set(rolesOfPrincipal.get(principal))];
    if (personal) {
      // One personal role per login, member of its policy roles and set as its default role:
      // MariaDB activates only one role; on MySQL 8 it keeps the default role fixed, so joining
      // a group is one membership grant instead of a new SET DEFAULT ROLE list per change.
      const role = personalRoleName({ prefix, principal, maxLength: caps.maxRoleNameLength });
      claim(role, `the personal role of "${principal}"`);
      roleSpecs.push({ name: role, purpose: 'personal' });
      origins.push({ role, purpose: 'personal', principal });
      for (const r of policyRoles) memberships.push({ role: r, member: role });
      memberships.push({ role, member: principal });
      defaultRoles.push({ user: principal, role });
    } else {
      for (const r of policyRoles) memberships.push({ role: r, member: principal });
    }
  }
  for (const principal of principalsWithAccess) {
    claim(principal, `the login "${principal}"`);
    roleSpecs.push({ name: principal, purpose: 'principal' });
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
    if (privileges.length > 0) grants.push({ securable: rel.securable, grantee: b.name, privileges });
  }

  const state: AccessState = {
    roles: roleSpecs.sort((a, b) => cmp(a.name, b.name)),
    memberships: memberships.sort((a, b) => cmp(a.role, b.role) || cmp(a.member, b.member)),
    grants,
    defaultGrants: defaultGrants.sort(
      (a, b) => cmp(a.database, b.database) || cmp(a.schema, b.schema) || cmp(a.owner, b.owner) || cmp(a.grantee, b.grantee),
    ),
    defaultRoles,
  };

  const scope: AccessScope = {
    rolePrefix: prefix,
    principals: [...new Set(governed.map((u) => u.principal))].sort(cmp),
    protectedTables: index.relations.filter((r) => r.protected).map((r): Securable => r.securable),
    containers: index.containers.filter((c) => c.inScope).map((c): Securable => c.securable),
    databases: [...new Set(input.catalog.filter((e) => e.kind === 'database').map((e) => e.segments[0]!))].sort(cmp),
    ignoredGrantees: [...new Set([...input.options.ignoreGrantees, input.systemAccount])].sort(cmp),
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
