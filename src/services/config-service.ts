import type { PolicySecrets } from './policy-secrets.js';
import { catalogPaths, type CatalogObjectRef, type CatalogPaths } from '../config/catalog-paths.js';
import { errorOf, fieldName, type ConfigIssue, type ConfigWarning } from '../config/issues.js';
import type { ConfigFile } from '../config/schema.js';
import { sourceOf, type ConfigSource } from '../config/source.js';
import { connectionsOf, modelOf, type GovernanceModel } from '../config/to-model.js';
import { connectionsToRead, guardrailsSelectingNothing, validateConfig, type KnownConnection } from '../config/validate-config.js';
import { DEFAULT_OPTIONS, nestedPrefix, nestedPrefixProblem, type PlatformType } from '../domain/connection.js';
import { StewardError } from '../domain/errors.js';
import { decodePath } from '../domain/paths.js';
import { isDeepStrictEqual } from 'node:util';
import type { Platform } from '../platforms/platform.js';
import type { Db, Executor } from '../store/db.js';
import { connectionsRepo } from '../store/connections-repo.js';
import { identitiesRepo } from '../store/identities-repo.js';
import { objectsRepo } from '../store/objects-repo.js';
import { policiesRepo } from '../store/policies-repo.js';
import { statusRepo } from '../store/status-repo.js';
import { tagsRepo } from '../store/tags-repo.js';
import type { AuditService } from './audit-service.js';
import { validateConnection, type ConnectionService } from './connection-service.js';

const FILE = 'file';

export interface ConfigApplyResult {
  readonly connections: Record<string, 'created' | 'updated' | 'unchanged'>;
  readonly users: number;
  readonly groups: number;
  readonly policies: number;
  readonly tags: number;
  /** What may be wrong but is not an error (a path not synced yet, a stored user's login). */
  readonly warnings: readonly ConfigWarning[];
  /** The connections this configuration governs: its own, or every registered one when it declares none. */
  readonly enforce: readonly string[];
  /** The store already held exactly what the file declares (users, groups, tags, policies): nothing was written. */
  readonly unchanged: boolean;
}

/** A configuration as `plan` sees it: the model once stored, its warnings, what to plan. */
export interface ConfigPreview {
  readonly model: GovernanceModel;
  readonly warnings: readonly ConfigWarning[];
  readonly enforce: readonly string[];
  /**
   * The synced catalogs the check read: storing the same file right after may check against
   * them again instead of reading every object path a second time.
   */
  readonly catalogs?: ReadonlyMap<string, CatalogPaths>;
  /** What storing the file would write, when the preview was asked for it (`apply`). */
  readonly basis?: StoreBasis;
}

/**
 * A configuration's check and what storing it writes, as of one revision of the model: storing
 * the file while the revision has not moved needs neither (T10: the second read and check of
 * 50,000 users cost ≈2 s and their memory). Opaque to callers.
 */
export interface StoreBasis {
  readonly revision: string;
  readonly changes: FileChanges;
  readonly counts: Pick<ConfigApplyResult, 'users' | 'groups' | 'policies' | 'tags'>;
  readonly warnings: readonly ConfigWarning[];
  readonly enforce: readonly string[];
}

type StoredModel = GovernanceModel & { sources: Map<string, string>; groupSources: Map<string, string> };

/**
 * Policy as code: a configuration file owns everything it declares (source `file`); objects
 * made over the API or CLI (source `api`) are left alone. A configuration is checked whole
 * (`validate-config.ts`) against the store and the synced catalogs before anything is stored,
 * and storing it is one transaction.
 */
export function createConfigService(deps: { db: Db; connections: ConnectionService; audit: AuditService; platforms: Readonly<Record<PlatformType, Platform>>; secrets: PolicySecrets; now?: () => Date }) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  async function loadModel(tx: Executor = db): Promise<StoredModel> {
    const users = await identitiesRepo.users(tx);
    const groups = await identitiesRepo.groups(tx);
    const policies = await policiesRepo.list(tx);
    const tags = await tagsRepo.list(tx);
    const sources = new Map<string, string>();
    for (const u of users) sources.set(`user:${u.name}`, u.source);
    for (const p of policies) sources.set(`policy:${p.policy.name}`, p.source);
    return {
      users: users.map(({ source: _s, ...u }) => u),
      groups: groups.map((g) => g.name),
      policies: policies.map((p) => deps.secrets.open(p.policy)),
      tags: tags.map((t) => ({ connection: t.connection, path: t.path, tag: t.tag, source: t.source })),
      sources,
      groupSources: new Map(groups.map((g) => [g.name, g.source])),
    };
  }

  /** The stored model with file-sourced entries replaced by the file's (what storing it leaves). */
  function overlay(stored: StoredModel, file: GovernanceModel): GovernanceModel {
    const fileUsers = new Set(file.users.map((u) => u.name));
    const filePolicies = new Set(file.policies.map((p) => p.name));
    const users = [...stored.users.filter((u) => stored.sources.get(`user:${u.name}`) !== FILE && !fileUsers.has(u.name)), ...file.users];
    // File groups not in the file are pruned unless a remaining user is in them.
    const kept = stored.groups.filter((g) => stored.groupSources.get(g) !== FILE);
    return {
      users,
      groups: [...new Set([...kept, ...file.groups, ...users.flatMap((u) => u.groups)])].sort(),
      policies: [...stored.policies.filter((p) => stored.sources.get(`policy:${p.name}`) !== FILE && !filePolicies.has(p.name)), ...file.policies],
      tags: [...(stored.tags as { source?: string; connection: string; path: string; tag: string }[]).filter((t) => t.source !== FILE), ...file.tags],
    };
  }

  /** Registered connections, overlaid with those `cfg` declares (their URL and options checked here). */
  async function knownConnections(tx: Executor, cfg: ConfigFile, source: ConfigSource): Promise<{ known: Map<string, KnownConnection>; registered: string[]; errors: ConfigIssue[] }> {
    const known = new Map<string, KnownConnection>();
    const registered: string[] = [];
    for (const r of await connectionsRepo.list(tx)) {
      registered.push(r.name);
      const options = { ...DEFAULT_OPTIONS, ...r.options };
      known.set(r.name, { name: r.name, capabilities: deps.platforms[r.type].capabilities, principalTemplate: options.principalTemplate, rolePrefix: options.rolePrefix });
    }
    const errors: ConfigIssue[] = [];
    for (const c of connectionsOf(cfg)) {
      try {
        const v = validateConnection(c, deps.platforms);
        known.set(c.name, { name: c.name, capabilities: v.platform.capabilities, principalTemplate: v.options.principalTemplate, rolePrefix: v.options.rolePrefix });
      } catch (err) {
        if (!(err instanceof StewardError)) throw err;
        const field = (err.details as { field?: string } | undefined)?.field ?? err.message.split(':')[0]!;
        const path = ['connections', c.name, ...field.split('.')];
        errors.push({ file: source.file, line: source.lineOf(path), field: fieldName(path), message: err.message.replace(/^[^:]*: /, ''), ...(err.hint ? { hint: err.hint } : {}) });
      }
    }
    // A declared connection's role prefix must not nest with any other's, declared or registered.
    for (const c of connectionsOf(cfg)) {
      const mine = known.get(c.name);
      if (mine === undefined) continue;
      const other = nestedPrefix(c.name, mine.rolePrefix, known.values());
      if (other === undefined) continue;
      const { problem, hint } = nestedPrefixProblem(mine.rolePrefix, other);
      const path = ['connections', c.name, 'rolePrefix'];
      errors.push({ file: source.file, line: source.lineOf(path) ?? source.lineOf(['connections', c.name]), field: fieldName(path), message: problem, hint });
    }
    return { known, registered, errors };
  }

  /**
   * Synced catalogs of the registered connections the checks of `incoming` read (columns only
   * when a tag or a column policy needs them): a file about one connection reads no other's.
   */
  async function catalogsFor(tx: Executor, incoming: ConfigFile, model: GovernanceModel, known: ReadonlyMap<string, KnownConnection>, registered: readonly string[]): Promise<Map<string, CatalogPaths>> {
    const out = new Map<string, CatalogPaths>();
    const wanted = connectionsToRead(incoming, model, registered);
    if (wanted.size === 0) return out;
    const synced = new Set((await statusRepo.list(tx)).filter((s) => s.lastSyncAt !== null).map((s) => s.connection));
    const columnPolicies = model.policies.some((p) => Array.isArray((p.on as unknown as Record<string, unknown>).columns));
    for (const name of registered) {
      if (!synced.has(name) || !wanted.has(name)) continue;
      const depth = known.get(name)!.capabilities.hierarchy.length;
      const withColumns = columnPolicies || model.tags.some((t) => t.connection === name && decodePath(t.path).length > depth);
      out.set(name, catalogPaths(name, await objectsRepo.livePaths(tx, name, { withColumns })));
    }
    return out;
  }

  /**
   * Check `cfg` whole against the store (read through `tx`); throws every error at once,
   * returns the model it would leave, its warnings and the connections it governs.
   */
  async function check(
    tx: Executor,
    cfg: ConfigFile,
    read?: ReadonlyMap<string, CatalogPaths>,
  ): Promise<ConfigPreview & { stored: StoredModel; file: GovernanceModel; catalogs: ReadonlyMap<string, CatalogPaths> }> {
    const source = sourceOf(cfg);
    const stored = await loadModel(tx);
    const file = modelOf(cfg);
    const model = overlay(stored, file);
    const { known, registered, errors: connectionErrors } = await knownConnections(tx, cfg, source);
    const catalogs = read ?? (await catalogsFor(tx, cfg, model, known, registered));
    const result = validateConfig({ incoming: cfg, source, model, connections: known, catalogs, now: now() });
    const errors = [...connectionErrors, ...result.errors];
    if (errors.length > 0) throw errorOf(errors);

    const declared = Object.keys(cfg.connections ?? {});
    const warnings: ConfigWarning[] = [...result.warnings];
    if (declared.length > 0) {
      for (const name of registered.filter((r) => !declared.includes(r))) {
        warnings.push({ file: source.file, line: source.lineOf(['connections']), field: 'connections', connection: name, message: `connection "${name}" is registered but not in this configuration: plan and apply leave it out, though the users and policies stored here apply to it too`, hint: `plan it with --connection ${name}` });
      }
    } else if (registered.length === 0) {
      warnings.push({ file: source.file, line: null, field: 'connections', message: 'no connection is declared here or registered: nothing will be enforced', hint: 'add a connections: section or register one with steward connection add' });
    }
    const declaresNothing = Object.keys(cfg.users ?? {}).length + (cfg.groups ?? []).length + Object.keys(cfg.tags ?? {}).length + (cfg.policies ?? []).length === 0;
    const fromFiles = [...stored.sources.values()].filter((s) => s === FILE).length + stored.tags.filter((t) => (t as { source?: string }).source === FILE).length;
    if (declaresNothing && fromFiles > 0) {
      warnings.push({ file: source.file, line: null, field: '(top level)', message: `the configuration declares no users, groups, tags or policies: storing it removes the ${fromFiles} that came from a file`, hint: 'this is what --allow-empty asked for; check the file otherwise' });
    }
    return { model, warnings, enforce: declared.length > 0 ? declared : registered, stored, file, catalogs };
  }

  /**
   * The model's revision (`model_revision`, bumped by every statement that writes what a check
   * reads). `lock` holds it until the transaction ends: no writer of the model commits meanwhile.
   */
  async function revision(tx: Executor, lock = false): Promise<string> {
    const rows = await tx.query<{ n: string }>(`SELECT n::text AS n FROM model_revision${lock ? ' FOR UPDATE' : ''}`);
    return rows[0]!.n;
  }

  /** Check `cfg` against the store as of `rev` (read before anything else) and work out what storing it writes. */
  async function basisOf(tx: Executor, cfg: ConfigFile, rev: string, catalogs?: ReadonlyMap<string, CatalogPaths>): Promise<StoreBasis & { checked: Awaited<ReturnType<typeof check>> }> {
    const checked = await check(tx, cfg, catalogs);
    const { file, stored, warnings, enforce } = checked;
    const counts = { users: file.users.length, groups: file.groups.length, policies: file.policies.length, tags: file.tags.length };
    return { revision: rev, changes: fileChanges(stored, file), counts, warnings, enforce, checked };
  }

  return {
    loadModel,

    /**
     * Check a configuration without storing it (for `plan`): the model it would leave, warnings,
     * what to plan. `forStore`: also what storing it would write, for `store` to reuse.
     */
    async preview(cfg: ConfigFile, opts: { forStore?: boolean } = {}): Promise<ConfigPreview> {
      if (opts.forStore !== true) {
        const { model, warnings, enforce, catalogs } = await check(db, cfg);
        return { model, warnings, enforce, catalogs };
      }
      // The revision first: a change committed while the preview reads moves it past this one.
      const { checked, ...basis } = await basisOf(db, cfg, await revision(db));
      return { model: checked.model, warnings: checked.warnings, enforce: checked.enforce, catalogs: checked.catalogs, basis };
    },

    /**
     * The stored model for enforcing `connection`, after its sync: refused when a guardrail names
     * this connection and selects nothing in its catalog (fail closed: enforcing then could
     * grant what the guardrail was meant to restrict).
     */
    async modelFor(connection: string): Promise<GovernanceModel> {
      const model = await loadModel();
      if (!model.policies.some((p) => p.type === 'guardrail')) return model;
      const row = await connectionsRepo.get(db, connection);
      if (row === null) return model;
      const depth = deps.platforms[row.type].capabilities.hierarchy.length;
      const withColumns = model.tags.some((t) => t.connection === connection && decodePath(t.path).length > depth);
      this.assertGuardrailsReach(model, connection, await objectsRepo.livePaths(db, connection, { withColumns }));
      return model;
    },

    /**
     * Fail closed: refuse to enforce `connection` when a guardrail naming it selects nothing in
     * this catalog (the stored one after a sync, or a live snapshot being planned against).
     */
    assertGuardrailsReach(model: GovernanceModel, connection: string, objects: readonly CatalogObjectRef[]): void {
      if (!model.policies.some((p) => p.type === 'guardrail')) return;
      const empty = guardrailsSelectingNothing(model, connection, catalogPaths(connection, objects));
      if (empty.length > 0) {
        const names = empty.map((n) => JSON.stringify(n)).join(', ');
        throw new StewardError('unsafe_plan', `guardrail${empty.length > 1 ? 's' : ''} ${names} select${empty.length > 1 ? '' : 's'} no object on connection "${connection}": not enforcing there, so that nothing is granted that ${empty.length > 1 ? 'they were' : 'it was'} meant to restrict`, {
          hint: 'fix the tags or paths under on: of the guardrail (or remove it), then apply again',
          details: { connection, guardrails: empty },
        });
      }
    },

    /**
     * Store a configuration file after checking it whole; connections whose URL changed are
     * verified by connecting. The storing transaction holds the model's revision: when it is
     * still that of `opts.basis` (a preview's), nothing the check read has changed and its result
     * stands; otherwise users, groups, policies and connections are read and checked again.
     * `opts.catalogs` (a preview's) spares reading the synced catalogs again.
     */
    async store(cfg: ConfigFile, actor: string, opts: Pick<ConfigPreview, 'catalogs' | 'basis'> = {}): Promise<ConfigApplyResult> {
      return db.transaction(async (tx) => {
        const rev = await revision(tx, true);
        const basis = opts.basis?.revision === rev ? opts.basis : await basisOf(tx, cfg, rev, opts.catalogs);
        const { warnings, enforce, changes, counts } = basis;
        const connections: ConfigApplyResult['connections'] = {};
        for (const c of connectionsOf(cfg)) connections[c.name] = await deps.connections.upsert(c, actor, tx);
        // Written by difference with what the store holds (as of `rev`): a file of 50,000 users
        // where a few changed writes those few, not 50,000 rows and their memberships again
        // (T10: 10 s for 199 changed e-mails). The store is left as writing every entry again
        // would leave it.
        // Re-applying the same file is the common case: it stores nothing, and is no event.
        if (changes.none) return { connections, ...counts, warnings, enforce, unchanged: true };
        const before = await fileOwned(tx);
        await identitiesRepo.ensureGroups(tx, changes.groups.declared, FILE);
        await identitiesRepo.putUsers(tx, changes.users.put, FILE);
        await identitiesRepo.deleteUsersOfSource(tx, FILE, changes.users.removed);
        const removedGroups = await identitiesRepo.pruneGroupsOfSource(tx, FILE, changes.groups.prunable);
        await tagsRepo.removeOfSource(tx, FILE, changes.tags.removed);
        await tagsRepo.add(tx, changes.tags.added, FILE);
        // Each changed policy is a read for its sealed salt and an upsert.
        for (const p of changes.policies.put) {
          await policiesRepo.put(tx, deps.secrets.seal(p, (await policiesRepo.get(tx, p.name))?.policy ?? null), FILE);
        }
        await policiesRepo.removeOfSource(tx, FILE, changes.policies.removed);
        const changed = describeChanges(changes, removedGroups);
        const result = { connections, ...counts, warnings, enforce, unchanged: false };
        await deps.audit.record(tx, {
          actor,
          action: 'config.store',
          target: 'config',
          outcome: 'ok',
          before,
          after: await fileOwned(tx),
          summary:
            `${result.users} users, ${result.groups} groups, ${result.policies} policies, ${result.tags} tags (changed: ${changed.text})` +
            (warnings.length > 0 ? `, ${warnings.length} warning${warnings.length > 1 ? 's' : ''}` : ''),
          details: { ...result, changed: changed.details },
        });
        return result;
      });
    },

    /**
     * Check entries coming in over the API or CLI (`user put`, `policy put`) against the store,
     * as a file would be: `incoming` is a configuration holding just them.
     */
    async checkIncoming(incoming: ConfigFile, replace: (stored: GovernanceModel) => GovernanceModel, tx: Executor = db): Promise<readonly ConfigWarning[]> {
      const source = sourceOf(incoming, '');
      const stored = await loadModel(tx);
      const model = replace(stored);
      const { known, registered } = await knownConnections(tx, {}, source);
      // Only a policy's checks can fail on the catalog (a guardrail selecting nothing); a user
      // or a tag coming in is checked without reading it (`tag add` may precede the object).
      const catalogs = incoming.policies ? await catalogsFor(tx, incoming, model, known, registered) : new Map<string, CatalogPaths>();
      const result = validateConfig({ incoming, source, model, connections: known, catalogs, now: now() });
      if (result.errors.length > 0) throw errorOf(result.errors);
      return result.warnings;
    },
  };
}

/** A value as stored in jsonb: no undefined members (key order is irrelevant to the comparison). */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null));

type ModelUser = GovernanceModel['users'][number];
type ModelPolicy = GovernanceModel['policies'][number];
type ModelTag = GovernanceModel['tags'][number];

/** A stored user and the file's hold the same (e-mail, attributes, groups as a set, principals). */
function sameUser(a: ModelUser, b: ModelUser): boolean {
  const norm = (x: ModelUser): unknown => plain({ email: x.email ?? null, attributes: x.attributes, groups: [...new Set(x.groups)].sort(), principals: x.principals });
  return isDeepStrictEqual(norm(a), norm(b));
}

/** What storing a file writes: each entry that differs from the store (or is not the file's yet), and what the file no longer declares. */
export interface FileChanges {
  readonly users: { readonly put: readonly ModelUser[]; readonly added: readonly string[]; readonly updated: readonly string[]; readonly removed: readonly string[] };
  /** `declared`: declared groups not the file's yet; `prunable`: the file's groups it no longer declares (removed when no user is in them). */
  readonly groups: { readonly declared: readonly string[]; readonly added: readonly string[]; readonly prunable: readonly string[] };
  readonly policies: { readonly put: readonly ModelPolicy[]; readonly added: readonly string[]; readonly updated: readonly string[]; readonly removed: readonly string[] };
  readonly tags: { readonly added: readonly ModelTag[]; readonly removed: readonly ModelTag[] };
  /**
   * Storing the file would leave the file-owned part of the store as it is: the same users (with
   * groups, attributes and principals), declared groups, tags and policies (salts opened), all
   * with source `file`, and no file-made group left to prune.
   */
  readonly none: boolean;
}

/**
 * The difference between the store (`stored`, read in the storing transaction) and the file,
 * entry by entry. An entry of another source under the same name is taken over (written, as
 * `updated`); an entry of the file's that is unchanged is not written at all.
 */
function fileChanges(stored: StoredModel, file: GovernanceModel): FileChanges {
  const source = (kind: string, name: string): string | undefined => stored.sources.get(`${kind}:${name}`);
  const storedUsers = new Map(stored.users.map((u) => [u.name, u]));
  const fileUsers = new Set(file.users.map((u) => u.name));
  const users = { put: [] as ModelUser[], added: [] as string[], updated: [] as string[], removed: [] as string[] };
  for (const u of file.users) {
    const s = storedUsers.get(u.name);
    if (s === undefined) users.added.push(u.name);
    else if (source('user', u.name) !== FILE || !sameUser(s, u)) users.updated.push(u.name);
    else continue;
    users.put.push(u);
  }
  for (const u of stored.users) if (source('user', u.name) === FILE && !fileUsers.has(u.name)) users.removed.push(u.name);

  const declared = new Set(file.groups);
  const groups = {
    declared: file.groups.filter((g) => stored.groupSources.get(g) !== FILE),
    added: [...new Set([...file.groups, ...users.put.flatMap((u) => u.groups)])].filter((g) => !stored.groupSources.has(g)).sort(),
    prunable: [...stored.groupSources].filter(([g, src]) => src === FILE && !declared.has(g)).map(([g]) => g),
  };

  const storedPolicies = new Map(stored.policies.map((p) => [p.name, p]));
  const filePolicies = new Set(file.policies.map((p) => p.name));
  const policies = { put: [] as ModelPolicy[], added: [] as string[], updated: [] as string[], removed: [] as string[] };
  for (const p of file.policies) {
    const s = storedPolicies.get(p.name);
    if (s === undefined) policies.added.push(p.name);
    else if (source('policy', p.name) !== FILE || !isDeepStrictEqual(plain(s), plain(p))) policies.updated.push(p.name);
    else continue;
    policies.put.push(p);
  }
  for (const p of stored.policies) if (source('policy', p.name) === FILE && !filePolicies.has(p.name)) policies.removed.push(p.name);

  const tagKey = (t: { connection: string; path: string; tag: string }): string => JSON.stringify([t.connection, t.path, t.tag]);
  const storedTags = stored.tags as (ModelTag & { source?: string })[];
  const fileOwnedTags = new Set(storedTags.filter((t) => t.source === FILE).map(tagKey));
  const fileTags = new Set(file.tags.map(tagKey));
  const tags = {
    added: file.tags.filter((t) => !fileOwnedTags.has(tagKey(t))),
    removed: storedTags.filter((t) => t.source === FILE && !fileTags.has(tagKey(t))).map((t) => ({ connection: t.connection, path: t.path, tag: t.tag })),
  };
  // A file-made group neither declared nor anyone's would be pruned: that is a change too.
  const inUse = new Set(stored.users.flatMap((u) => u.groups));
  const none =
    users.put.length + users.removed.length + groups.declared.length + policies.put.length + policies.removed.length + tags.added.length + tags.removed.length === 0 &&
    groups.prunable.every((g) => inUse.has(g));
  return { users, groups, policies, tags, none };
}

/** At most this many names per list in a config.store event (counts are always whole). */
const NAMES_RECORDED = 100;

/** What a config.store event records as changed: counts and names per kind, and a line for its summary. */
function describeChanges(c: FileChanges, removedGroups: readonly string[]): { text: string; details: Record<string, Record<string, { count: number; names: string[] }>> } {
  const listed = (names: readonly string[]): { count: number; names: string[] } => ({ count: names.length, names: names.slice(0, NAMES_RECORDED) });
  const tagName = (t: ModelTag): string => `${t.connection}/${t.path}: ${t.tag}`;
  const details = {
    users: { added: listed(c.users.added), updated: listed(c.users.updated), removed: listed(c.users.removed) },
    groups: { added: listed(c.groups.added), removed: listed([...removedGroups].sort()) },
    policies: { added: listed(c.policies.added), updated: listed(c.policies.updated), removed: listed(c.policies.removed) },
    tags: { added: listed(c.tags.added.map(tagName)), removed: listed(c.tags.removed.map(tagName)) },
  };
  const parts: string[] = [];
  for (const [kind, byWhat] of Object.entries(details)) {
    const done = Object.entries(byWhat).filter(([, l]) => l.count > 0).map(([what, l]) => `${l.count} ${what}`);
    if (done.length > 0) parts.push(`${kind}: ${done.join(', ')}`);
  }
  return { text: parts.length > 0 ? parts.join('; ') : 'no entry (groups or sources only)', details };
}

/** What the configuration file owns, compactly (policies by name), for the audit's before and after. */
async function fileOwned(tx: Executor): Promise<unknown> {
  const rows = await tx.query(
    `SELECT (SELECT coalesce(array_agg(name ORDER BY name), '{}') FROM connections WHERE source = $1) AS connections,
            (SELECT count(*)::int FROM users WHERE source = $1) AS users,
            (SELECT count(*)::int FROM groups WHERE source = $1) AS groups,
            (SELECT count(*)::int FROM tags WHERE source = $1) AS tags,
            (SELECT coalesce(array_agg(name ORDER BY name), '{}') FROM policies WHERE source = $1) AS policies`,
    [FILE],
  );
  return rows[0];
}

export type ConfigService = ReturnType<typeof createConfigService>;
