import { granteeKey, roleGrantee, sortPrivileges, type AccessScope, type AccessState, type DefaultGrant, type Grant, type Securable } from '../domain/access.js';
import { canonicalizeState, compareSecurables } from '../domain/canonical-state.js';
import { StewardError } from '../domain/errors.js';
import { compileGlob, globCoversAnyChildOf, type Glob } from '../domain/glob.js';
import type { SecureViewSpec, SecureViewState } from '../domain/secure-view.js';
import { buildCatalogIndex, segmentsKey } from './catalog-index.js';
import { compileDataPolicies } from './compile-data-policies.js';
import type { DesiredState } from './desired-state.js';
import type { PolicyInput } from './input.js';
import { secureLocations } from './secure-locations.js';
import { compileGlobs, selectsFutureChildrenOf } from './select.js';

/** Platform-specific reads of the view owner, beyond the base tables (MySQL: the profile tables). */
export type OwnerReads = (system: readonly string[]) => readonly Securable[];

/**
 * The catalog without Steward's own containers (view schemas or databases, the system one):
 * the access engine must never treat a secure view as a table to grant on by policy, nor the
 * profile table as data.
 */
export function withoutStewardObjects(input: PolicyInput): PolicyInput {
  const locations = secureLocations(input.connection, input.options, input.capabilities.hierarchy);
  const containers = input.catalog.filter((e) => e.kind === 'database' || e.kind === 'schema').map((e) => e.segments);
  // Containers of relations too (a catalog may list relations without their schema).
  for (const e of input.catalog) if (e.segments.length > 1) containers.push(e.segments.slice(0, -1));
  const steward = locations.stewardContainers(containers);
  const inSteward = (segments: readonly string[]): boolean => {
    for (let k = 1; k <= segments.length; k++) if (steward.has(segmentsKey(segments.slice(0, k)))) return true;
    return false;
  };
  return { ...input, catalog: input.catalog.filter((e) => !inSteward(e.segments)) };
}

/**
 * The desired access state once data policies have secure views: whoever the policies let
 * read a base table reads its view instead (SELECT on the view, USAGE on its schema), and
 * keeps on the base table only what a write policy gives besides SELECT; partitions of such a
 * table lose SELECT too. A database granted whole (MySQL `ON db.*`) that holds a base table
 * is read table by table instead (no grant can leave one table out): its other tables are
 * granted one by one, and tables created later wait for the next sync. The view owner role (Steward's) reads the base tables and what the
 * platform adds. Default privileges give no SELECT on future tables of a schema a data policy
 * may reach, so a new table is closed until its view exists (after the next sync and apply).
 * The views and the view containers join the scope: a grant on a view made by hand is drift.
 *
 * Pure; `readersOf` of the result gives each view's reader roles.
 */
export function withSecureViews(
  desired: DesiredState,
  views: SecureViewState,
  input: PolicyInput,
  opts: { readonly ownerReads: OwnerReads; /** Steward's secure-view objects exist: the role owning them stays. */ readonly keepOwner: boolean },
): DesiredState {
  const caps = input.capabilities;
  const futureClosed = futureSchemasOfDataPolicies(input);
  const hasOwner = views.views.length > 0 || opts.keepOwner;
  if (!hasOwner && futureClosed.size === 0) return desired;

  const byBase = new Map<string, SecureViewSpec>(views.views.map((v) => [segmentsKey(v.base), v]));
  // Partitions (at any depth) of a table with a view: read only through the view.
  const rootOf = partitionRoots(input);
  const viewOfTable = (segments: readonly string[]): SecureViewSpec | undefined => byBase.get(segmentsKey(segments)) ?? byBase.get(rootOf.get(segmentsKey(segments)) ?? '');
  const schemaPrivs = sortPrivileges(caps.containerPrivileges.schema);
  const hasSchemas = caps.hierarchy.includes('schema');

  // A database granted whole (MySQL `ON db.*`) would open its base tables: its SELECT becomes
  // table grants on every other table there, and the views of the rest.
  const viewsIn = new Map<string, SecureViewSpec[]>();
  for (const v of views.views) viewsIn.set(v.base[0]!, [...(viewsIn.get(v.base[0]!) ?? []), v]);
  const tablesIn = (db: string): string[][] =>
    withoutStewardObjects(input)
      .catalog.filter((e) => e.segments[0] === db && e.segments.length === caps.hierarchy.length && e.kind !== 'database' && e.kind !== 'schema' && viewOfTable(e.segments) === undefined)
      .map((e) => [...e.segments]);

  const grants: Grant[] = [];
  const expanded: Grant[] = [];
  for (const g of desired.state.grants) {
    const dbViews = g.securable.kind === 'database' && g.privileges.includes('SELECT') ? viewsIn.get(g.securable.segments[0]!) : undefined;
    if (dbViews === undefined) {
      expanded.push(g);
      continue;
    }
    const rest = g.privileges.filter((p) => p !== 'SELECT');
    if (rest.length > 0) expanded.push({ ...g, privileges: rest });
    for (const segments of tablesIn(g.securable.segments[0]!)) expanded.push({ securable: { kind: 'table', segments }, grantee: g.grantee, privileges: ['SELECT'] });
    for (const v of dbViews) expanded.push({ securable: { kind: 'table', segments: v.base }, grantee: g.grantee, privileges: ['SELECT'] });
  }
  for (const g of expanded) {
    const view = g.securable.kind === 'table' ? viewOfTable(g.securable.segments) : undefined;
    if (view === undefined || !g.privileges.includes('SELECT')) {
      grants.push(g);
      continue;
    }
    const rest = g.privileges.filter((p) => p !== 'SELECT');
    if (rest.length > 0) grants.push({ ...g, privileges: rest });
    if (byBase.get(segmentsKey(g.securable.segments)) !== view) continue; // a partition: nothing on the view
    grants.push({ securable: { kind: 'table', segments: view.view }, grantee: g.grantee, privileges: ['SELECT'] });
    if (hasSchemas && schemaPrivs.length > 0) grants.push({ securable: { kind: 'schema', segments: view.view.slice(0, -1) }, grantee: g.grantee, privileges: schemaPrivs });
  }

  // The owner reads every base table (and its schema), and what the platform adds.
  const owner = roleGrantee(views.owner);
  const clash = desired.state.roles.find((r) => granteeKey(r.grantee) === granteeKey(owner));
  if (clash !== undefined && hasOwner) {
    throw new StewardError('conflict', `the view owner role ${views.owner} is also a ${clash.purpose} role of this connection`, {
      hint: "rename the login, or change the connection's rolePrefix",
    });
  }
  const roles = hasOwner ? [...desired.state.roles, { grantee: owner, purpose: 'policy' as const }] : desired.state.roles;
  {
    for (const v of views.views) {
      grants.push({ securable: { kind: 'table', segments: v.base }, grantee: owner, privileges: ['SELECT'] });
      if (hasSchemas && schemaPrivs.length > 0) grants.push({ securable: { kind: 'schema', segments: v.base.slice(0, -1) }, grantee: owner, privileges: schemaPrivs });
    }
    // The owner's own USAGE on the view schemas it owns: the database lists it like any grant.
    if (hasSchemas && schemaPrivs.length > 0) for (const c of views.containers) grants.push({ securable: { kind: 'schema', segments: c }, grantee: owner, privileges: schemaPrivs });
    for (const sys of views.systems) for (const securable of opts.ownerReads(sys.segments)) grants.push({ securable, grantee: owner, privileges: ['SELECT'] });
  }

  const defaultGrants: DefaultGrant[] = [];
  for (const d of desired.state.defaultGrants) {
    if (d.objects !== 'tables' || !futureClosed.has(segmentsKey([d.database, d.schema])) || !d.privileges.includes('SELECT')) {
      defaultGrants.push(d);
      continue;
    }
    const rest = d.privileges.filter((p) => p !== 'SELECT');
    if (rest.length > 0) defaultGrants.push({ ...d, privileges: rest });
  }

  const viewSecurables: Securable[] = views.views.map((v) => ({ kind: 'table', segments: v.view }));
  const containerSecurables: Securable[] = views.containers.map((c) => ({ kind: c.length === 1 ? 'database' : 'schema', segments: c }));
  const scope: AccessScope = {
    ...desired.scope,
    protectedTables: [...desired.scope.protectedTables, ...viewSecurables],
    containers: dedupe([...desired.scope.containers, ...containerSecurables]),
    databases: [...new Set([...desired.scope.databases, ...views.containers.map((c) => c[0]!), ...views.systems.map((s) => s.segments[0]!)])].sort(),
  };
  return {
    ...desired,
    state: canonicalizeState({ ...desired.state, roles, grants, defaultGrants }),
    scope,
  };
}

/** The roles reading a view in a desired state (SELECT on it). */
export function readersOf(desired: AccessState, view: readonly string[]): string[] {
  const key = segmentsKey(view);
  const out: string[] = [];
  for (const g of desired.grants) {
    if (g.securable.kind === 'table' && segmentsKey(g.securable.segments) === key && g.privileges.includes('SELECT') && g.grantee.kind === 'role') out.push(g.grantee.name);
  }
  return out.sort();
}

/**
 * Schemas (keys `db\0schema`) whose future tables a data policy may reach: `all`, a path or
 * column glob covering any child, or a tag on the schema or its database. A column tag cannot
 * be on a table that does not exist yet.
 */
function futureSchemasOfDataPolicies(input: PolicyInput): Set<string> {
  const out = new Set<string>();
  if (!input.capabilities.defaultPrivileges) return out;
  const { masks, filters } = compileDataPolicies(input.policies);
  if (masks.length === 0 && filters.length === 0) return out;
  const index = buildCatalogIndex(input.connection, input.catalog, input.capabilities.hierarchy, compileGlobs(input.options.protect));
  const columnGlobs: Glob[] = masks.flatMap((m) => m.columns.filter((c) => c.literal === null).map((c) => tablePart(c.glob)));
  for (const c of index.containers) {
    if (!c.protectsFuture) continue;
    const reached = [...masks, ...filters].some((p) => selectsFutureChildrenOf(p.on, c, true)) || columnGlobs.some((g) => globCoversAnyChildOf(g, c.path));
    if (reached) out.add(segmentsKey(c.securable.segments));
  }
  return out;
}

/** A column glob without its column segment (a trailing `**` stays: it covers any depth). */
function tablePart(glob: Glob): Glob {
  const last = glob.segments[glob.segments.length - 1];
  if (last === undefined || last.kind === 'any-depth' || glob.segments.length < 2) return glob;
  return compileGlob(glob.source.replace(/\/(?:[^/\\]|\\.)*$/, ''));
}

/** Segments key of a partition → segments key of the root partitioned table. */
function partitionRoots(input: PolicyInput): Map<string, string> {
  const parent = new Map<string, string>();
  for (const e of input.catalog) if (e.partitionOf) parent.set(segmentsKey(e.segments), segmentsKey(e.partitionOf));
  const roots = new Map<string, string>();
  for (const key of parent.keys()) {
    let root = key;
    for (let depth = 0; parent.has(root) && depth < 64; depth++) root = parent.get(root)!;
    roots.set(key, root);
  }
  return roots;
}

function dedupe(list: readonly Securable[]): Securable[] {
  const seen = new Map<string, Securable>();
  for (const s of list) seen.set(`${s.kind}:${segmentsKey(s.segments)}`, s);
  return [...seen.values()].sort(compareSecurables);
}
