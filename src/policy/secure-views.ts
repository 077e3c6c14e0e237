import { cmp, compareSegments } from '../domain/canonical-state.js';
import { StewardError } from '../domain/errors.js';
import { encodePath } from '../domain/paths.js';
import { buildCatalogIndex, segmentsKey, type CatalogIndex, type RelationInfo } from './catalog-index.js';
import { compileDataPolicies, policyError, type CompiledMask, type CompiledRowFilter } from './compile-data-policies.js';
import { DataPolicyProblem } from './data-policy-problem.js';
import { governedUsers, type GovernedUser } from './governed-users.js';
import type { PolicyInput } from './input.js';
import { decideMasks, type MaskDecision } from './mask-targets.js';
import { secureLocations, type SecureLocations } from './secure-locations.js';
import type { ProfileRow, SaltRow, SecureViewSpec, SecureViewState, SystemLocation, ViewColumn, ViewPredicate } from '../domain/secure-view.js';
import { compileGlobs, selectRelations } from './select.js';
import { columnTypesOf, typedMask, typedPredicate } from './typed-predicate.js';

/** The role owning every secure view of a connection: outside the policy and personal namespaces. */
export function viewOwnerRole(rolePrefix: string): string {
  return `${rolePrefix}views`;
}

/**
 * The secure views and profile rows the data policies of one connection ask for. Pure and
 * deterministic: equal inputs give deep-equal outputs.
 *
 * - Every protected relation reached by a mask or a row filter gets a view (outside Steward's
 *   own schemas or databases): each column raw or masked (the most specific mask wins, see
 *   `decideMasks`), rows filtered by every row filter on it (AND) and by the caller having a
 *   profile at all.
 * - What depends on the user — groups, attributes, and which policies' `except` the user meets —
 *   is precomputed into profile rows, so that a change of a user's groups or attributes changes
 *   profile rows and never a view.
 * - Hash salts go in a table beside the profile, so that they never appear in a view
 *   definition (readable by anyone on PostgreSQL).
 *
 * Refused with `StewardError('invalid_input')` naming the policy and field: a missing column, a
 * mask or comparison that cannot apply to the column's type, two masks tied on a column, a
 * literal column path naming nothing. A relation already sitting where a view must go is a
 * `conflict`.
 */
export function computeSecureViews(input: PolicyInput): SecureViewState {
  const caps = input.capabilities;
  const depth = caps.hierarchy.length;
  const { masks, filters } = compileDataPolicies(input.policies);
  // No data policy: no view, system or container (those the database holds are dropped by the plan).
  if (masks.length === 0 && filters.length === 0) return { owner: viewOwnerRole(input.options.rolePrefix), views: [], systems: [], containers: [] };
  const protect = compileGlobs(input.options.protect, `connections.${input.connection}.protect`);
  const index = buildCatalogIndex(input.connection, input.catalog, caps.hierarchy, protect);
  const locations = secureLocations(input.connection, input.options, caps.hierarchy);
  const steward = locations.stewardContainers(index.containers.map((c) => c.securable.segments));
  // Partitions follow their partitioned table (its view reads them all); Steward's own objects are never base tables.
  const eligible = (rel: RelationInfo): boolean => rel.protected && rel.partitionOf === null && !steward.has(segmentsKey(rel.entry.segments.slice(0, -1)));

  const decisions = decideMasks(masks, index, eligible, depth);
  const filtersOf = new Map<number, CompiledRowFilter[]>();
  for (const f of filters) {
    for (const r of selectRelations(f.on, index)) {
      if (!eligible(index.relations[r]!)) continue;
      let list = filtersOf.get(r);
      if (list === undefined) filtersOf.set(r, (list = []));
      list.push(f);
    }
  }

  const hashSalt = input.options.views?.hashSalt ?? null;
  const relations = [...new Set([...decisions.keys(), ...filtersOf.keys()])].sort((a, b) => a - b);
  const views: SecureViewSpec[] = [];
  const systems = new Map<string, { segments: string[]; policies: Set<CompiledMask | CompiledRowFilter>; salts: Map<string, string> }>();
  for (const r of relations) {
    const rel = index.relations[r]!;
    const base = rel.entry.segments;
    const system = locations.systemOf(base);
    const key = segmentsKey(system);
    let sys = systems.get(key);
    if (sys === undefined) systems.set(key, (sys = { segments: system, policies: new Set(), salts: new Map() }));
    const view = buildView(rel, index, locations, decisions.get(r) ?? new Map(), filtersOf.get(r) ?? [], hashSalt, sys.salts);
    for (const d of decisions.get(r)?.values() ?? []) sys.policies.add(d.mask);
    for (const f of filtersOf.get(r) ?? []) sys.policies.add(f);
    views.push(view);
  }
  views.sort((a, b) => compareSegments(a.view, b.view));
  for (let i = 1; i < views.length; i++) {
    if (compareSegments(views[i - 1]!.view, views[i]!.view) === 0) {
      throw new StewardError('conflict', `tables ${encodePath([input.connection, ...views[i - 1]!.base])} and ${encodePath([input.connection, ...views[i]!.base])} would share the secure view ${encodePath([input.connection, ...views[i]!.view])}`, {
        hint: `set connections.${input.connection}.views so that each container gets a view container of its own`,
      });
    }
  }

  const { governed } = governedUsers(input);
  const systemList: SystemLocation[] = [...systems.values()]
    .sort((a, b) => compareSegments(a.segments, b.segments))
    .map((s) => ({
      segments: s.segments,
      profile: profileRows(governed, [...s.policies].sort((a, b) => cmp(a.name, b.name))),
      salts: [...s.salts.entries()].map(([name, value]): SaltRow => ({ name, value })).sort((a, b) => cmp(a.name, b.name)),
    }));
  const containers = new Map<string, string[]>();
  for (const v of views) containers.set(segmentsKey(v.view.slice(0, -1)), v.view.slice(0, -1));
  return {
    owner: viewOwnerRole(input.options.rolePrefix),
    views,
    systems: systemList,
    containers: [...containers.values()].sort(compareSegments),
  };
}

function buildView(
  rel: RelationInfo,
  index: CatalogIndex,
  locations: SecureLocations,
  decided: ReadonlyMap<string, MaskDecision>,
  filters: readonly CompiledRowFilter[],
  hashSalt: string | null,
  salts: Map<string, string>,
): SecureViewSpec {
  const table = encodePath(rel.path);
  const types = columnTypesOf(rel.entry.columns);
  const viewSegments = locations.viewOf(rel.entry.segments);
  const occupant = relationAt(index, viewSegments);
  if (occupant !== undefined && occupant.kind !== 'view') {
    throw new StewardError('conflict', `the secure view of ${table} would replace the ${occupant.kind.replace('_', ' ')} ${encodePath(occupant.path)}`, {
      hint: `set connections.${index.connection}.views to a schema or database Steward can own`,
    });
  }
  const columns: ViewColumn[] = rel.entry.columns.map((c) => {
    const t = types.get(c.name)!;
    const d = decided.get(c.name);
    if (d === undefined) return { name: c.name, type: t.type, family: t.family, mask: null };
    const m = d.mask;
    return inPolicy(m.name, () => {
      const salt = m.mask.kind === 'hash' ? m.mask.salt ?? hashSalt : null;
      if (salt !== null) salts.set(m.name, salt);
      const expr = typedMask(m.mask, c.name, t.family, salt === null ? null : m.name);
      const raw: ViewPredicate[] = [];
      if (m.except !== null) raw.push({ kind: 'exempt', policy: m.name });
      if (m.when !== null) raw.push({ kind: 'isFalse', item: typedPredicate(m.when, types, table) });
      const rawWhen: ViewPredicate | null = raw.length === 0 ? null : raw.length === 1 ? raw[0]! : { kind: 'or', items: raw };
      return { name: c.name, type: t.type, family: t.family, mask: { expr, rawWhen, policy: m.name, via: d.via } };
    }, table);
  });
  const items: ViewPredicate[] = [{ kind: 'hasProfile' }];
  for (const f of filters) {
    const pred = inPolicy(f.name, () => typedPredicate(f.where, types, table), table);
    items.push(f.except === null ? pred : { kind: 'or', items: [{ kind: 'exempt', policy: f.name }, pred] });
  }
  return {
    base: rel.entry.segments,
    view: viewSegments,
    system: locations.systemOf(rel.entry.segments),
    columns,
    filter: items.length === 1 ? items[0]! : { kind: 'and', items },
    masks: [...new Set(columns.flatMap((c) => (c.mask === null ? [] : [c.mask.policy])))].sort(cmp),
    filters: filters.map((f) => f.name),
  };
}

function inPolicy<T>(policy: string, fn: () => T, table: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DataPolicyProblem) throw policyError(policy, err.path, `${err.message} (on ${table})`, err.hint);
    throw err;
  }
}

function relationAt(index: CatalogIndex, segments: readonly string[]): RelationInfo | undefined {
  const range = index.rangeOf(segments);
  if (range === null) return undefined;
  for (let i = range[0]; i < range[1]; i++) if (index.relations[i]!.entry.segments.length === segments.length) return index.relations[i];
  return undefined;
}

/**
 * Profile rows of every governed principal: who they are, their groups and attributes, and
 * the policies (of those used in this location) whose `except` they meet.
 */
function profileRows(governed: readonly GovernedUser[], policies: readonly (CompiledMask | CompiledRowFilter)[]): ProfileRow[] {
  const rows = new Map<string, ProfileRow>();
  const add = (row: ProfileRow): void => {
    rows.set([row.principal, row.kind, row.name, row.value].join('\u0000'), row);
  };
  for (const { user, principal } of governed) {
    add({ principal, kind: 'user', name: '', value: '' });
    for (const g of user.groups) add({ principal, kind: 'group', name: '', value: g });
    for (const [name, values] of Object.entries(user.attributes)) for (const value of values) add({ principal, kind: 'attribute', name, value });
    for (const p of policies) if (p.except !== null && p.except(user)) add({ principal, kind: 'exempt', name: '', value: p.name });
  }
  return [...rows.values()].sort((a, b) => cmp(a.principal, b.principal) || cmp(a.kind, b.kind) || cmp(a.name, b.name) || cmp(a.value, b.value));
}
