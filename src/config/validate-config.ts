/**
 * A configuration checked whole against what it refers to, before anything is stored: the
 * groups, users, attribute keys, tags and connections its policies name; the paths and tags
 * against the synced catalogs; the users' logins against each connection's platform. Pure:
 * the caller (config service) reads the store and the catalogs.
 *
 * Errors and warnings (see docs/configuration-checks.md):
 * - unknown group, user, attribute key, tag or connection: error;
 * - a path or tag naming nothing in a synced catalog: warning (the object may come later);
 *   on a connection not synced yet: one warning that it is checked after the first sync;
 * - a guardrail that selects nothing on a synced connection it names: error (it would restrict
 *   nobody, and the policies it was meant to restrict would then grant freely); on a connection
 *   not synced yet: warning, and apply refuses that connection if it still selects nothing
 *   after the sync (`guardrailsSelectingNothing`);
 * - a login a platform would refuse or alter: error for users coming in, warning for stored ones.
 */
import type { Condition, Policy } from '../domain/policy.js';
import { decodePath } from '../domain/paths.js';
import { showName } from '../domain/principal-name.js';
import type { GovernanceModel } from './to-model.js';
import type { CatalogPaths } from './catalog-paths.js';
import { checkPrincipals, type KnownConnection } from './check-principals.js';
import { fieldName, suggest, type ConfigIssue, type FieldPath } from './issues.js';
import type { ConfigFile } from './schema.js';
import { globShape, selectorParts, selectorReach, tagIndex, type SelectorReach } from './selector-reach.js';
import type { ConfigSource } from './source.js';
import { GLOB_KEYS, TAG_KEYS } from './check-file.js';

export type { KnownConnection } from './check-principals.js';

export interface ValidationInput {
  /** What comes in now (a file, one user, one policy): its problems are errors, with lines. */
  readonly incoming: ConfigFile;
  readonly source: ConfigSource;
  /** The model as it would be once `incoming` is stored. */
  readonly model: GovernanceModel;
  /** Connections declared by `incoming` and registered ones. */
  readonly connections: ReadonlyMap<string, KnownConnection>;
  /** Synced catalogs; a connection without one is not synced yet. */
  readonly catalogs: ReadonlyMap<string, CatalogPaths>;
  readonly now: Date;
}

export interface ValidationResult {
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
}

const CONDITION_KEYS = ['to', 'except'] as const;

export function validateConfig(input: ValidationInput): ValidationResult {
  const { incoming, source, model } = input;
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const at = (path: FieldPath): { file: string; line: number | null; field: string } => ({ file: source.file, line: source.lineOf(path), field: fieldName(path) });
  const knownConnections = [...input.connections.keys()];
  const groups = new Set(model.groups);
  const users = new Set(model.users.map((u) => u.name));
  const attributeKeys = new Set(model.users.flatMap((u) => Object.keys(u.attributes)));
  const tags = tagIndex(model.tags);
  const reachCtx = { tags, catalogs: input.catalogs, known: knownConnections, tagCache: new Map<string, Map<string, boolean | null>>() };
  /** Connections named by something of `incoming` that have no catalog yet. */
  const unsynced = new Map<string, FieldPath>();

  const checkCondition = (c: Condition | undefined, path: FieldPath): void => {
    if (c === undefined || c === null || typeof c !== 'object') return;
    (c.groups ?? []).forEach((g, j) => {
      if (!groups.has(g)) errors.push({ ...at([...path, 'groups', j]), message: `unknown group ${showName(g)}`, hint: `${suggest(g, [...groups], 'group')}; declare groups under groups: or on a user` });
    });
    (c.users ?? []).forEach((u, j) => {
      if (!users.has(u)) errors.push({ ...at([...path, 'users', j]), message: `unknown user ${showName(u)}`, hint: suggest(u, [...users], 'user') });
    });
    for (const key of Object.keys(c.attributes ?? {})) {
      if (!attributeKeys.has(key)) errors.push({ ...at([...path, 'attributes', key]), message: `no user has the attribute ${showName(key)}`, hint: suggest(key, [...attributeKeys], 'attribute') });
    }
    (c.any ?? []).forEach((x, k) => checkCondition(x, [...path, 'any', k]));
    (c.all ?? []).forEach((x, k) => checkCondition(x, [...path, 'all', k]));
    if (c.not !== undefined) checkCondition(c.not, [...path, 'not']);
  };

  /** A path below a connection: the connection exists, and the depth can hold an object or column. */
  const checkPathShape = (conn: string, depth: number, anyDepth: boolean, path: FieldPath): boolean => {
    const c = input.connections.get(conn);
    if (c === undefined) {
      errors.push({ ...at(path), message: `no connection ${showName(conn)}`, hint: `paths start with a connection name; ${suggest(conn, knownConnections, 'connection')}` });
      return false;
    }
    const max = c.capabilities.hierarchy.length + 1;
    if (!anyDepth && depth - 1 > max) {
      const shape = [...c.capabilities.hierarchy, 'column'].join('/');
      errors.push({ ...at(path), message: `${depth - 1} names below the connection; paths of "${conn}" have at most ${max} (${shape})`, hint: 'check the path: a "/" inside a name is written \\/' });
      return false;
    }
    return true;
  };

  const reportReach = (reach: SelectorReach, guardrail: boolean, name: string, path: FieldPath): void => {
    const what = guardrail ? `guardrail ${showName(name)}` : `policy ${showName(name)}`;
    for (const [conn, hit] of reach.named) {
      if (hit === null) unsynced.set(conn, unsynced.get(conn) ?? path);
      else if (!hit && guardrail) {
        errors.push({ ...at(path), connection: conn, message: `${what} selects no object on connection "${conn}": it would restrict nobody there`, hint: 'check the tags and paths under on: (a guardrail that selects nothing cannot protect anything)' });
      } else if (!hit) {
        warnings.push({ ...at(path), connection: conn, message: `${what} selects no object on connection "${conn}" yet`, hint: 'check the tags and paths under on:' });
      }
    }
    if (reach.named.size === 0 && reach.anywhere === false) {
      (guardrail ? errors : warnings).push({ ...at(path), message: `${what} selects no object in any synced catalog`, hint: 'check the paths under on:' });
    }
  };

  ((incoming.policies ?? []) as readonly Policy[]).forEach((p, i) => {
    const record = p as unknown as Record<string, unknown>;
    for (const key of CONDITION_KEYS) checkCondition(record[key] as Condition | undefined, ['policies', i, key]);
    const on = record.on as Record<string, unknown> | undefined;
    const parts = selectorParts(on);
    for (const key of TAG_KEYS) {
      const list = on?.[key];
      if (!Array.isArray(list)) continue;
      list.forEach((t: string, j) => {
        if (!tags.has(t)) errors.push({ ...at(['policies', i, 'on', key, j]), message: `unknown tag ${showName(t)}: no object carries it`, hint: `${suggest(t, [...tags.keys()], 'tag')}; tag objects under tags: or with steward tag add` });
      });
    }
    let shapesOk = true;
    for (const key of GLOB_KEYS) {
      const list = on?.[key];
      if (!Array.isArray(list)) continue;
      list.forEach((g: string, j) => {
        const shape = globShape(g);
        if (shape.connection === null) return;
        if (!checkPathShape(shape.connection, shape.depth, shape.anyDepth, ['policies', i, 'on', key, j])) shapesOk = false;
      });
    }
    const guardrail = p.type === 'guardrail';
    if (parts.tags.length + parts.globs.length === 0 && !parts.all) {
      errors.push({ ...at(['policies', i, 'on']), message: `policy ${showName(p.name)} selects nothing: on: has no all, tags or paths`, hint: 'name the objects under on: (tags, paths, or all: true)' });
    } else if (shapesOk) {
      reportReach(selectorReach(on, reachCtx), guardrail, p.name, ['policies', i, 'on']);
    }
    if (p.type === 'subscription' && p.expires != null && new Date(p.expires).getTime() <= input.now.getTime()) {
      warnings.push({ ...at(['policies', i, 'expires']), message: `policy ${showName(p.name)} expired on ${p.expires}: it grants nothing`, hint: 'remove it or move the date' });
    }
  });

  for (const full of Object.keys(incoming.tags ?? {})) {
    const segs = decodePath(full);
    const conn = segs[0]!;
    if (!checkPathShape(conn, segs.length, false, ['tags', full])) continue;
    const cat = input.catalogs.get(conn);
    if (cat === undefined) unsynced.set(conn, unsynced.get(conn) ?? ['tags', full]);
    else if (!cat.has(segs.slice(1))) warnings.push({ ...at(['tags', full]), connection: conn, message: `${showName(full)} names no object in the synced catalog of "${conn}" (yet)`, hint: 'check the path, or run steward sync if the object is new' });
  }

  for (const [conn, c] of Object.entries(incoming.connections ?? {})) {
    const cat = input.catalogs.get(conn);
    (c.protect ?? []).forEach((g, j) => {
      if (cat !== undefined && !cat.globMatchesAny(g)) {
        warnings.push({ ...at(['connections', conn, 'protect', j]), connection: conn, message: `${showName(g)} protects no object in the synced catalog (yet)`, hint: 'check the path; objects created later under it are protected when they appear' });
      }
    });
  }

  for (const [conn, path] of unsynced) {
    warnings.push({ ...at(path), connection: conn, message: `connection "${conn}" has not been synced yet: its paths and tags are checked after the first sync`, hint: 'apply syncs it first; a guardrail that still selects nothing there then stops the apply' });
  }

  const principals = checkPrincipals({ users: model.users, incoming: new Set(Object.keys(incoming.users ?? {})), connections: input.connections, source });
  return { errors: [...errors, ...principals.errors], warnings: [...warnings, ...principals.warnings] };
}


/**
 * The connections whose catalogs the checks of `incoming` read: those its policies' paths and
 * tags reach (every one for a wildcard or `all`), its tag paths' and its connections' own.
 */
export function connectionsToRead(incoming: ConfigFile, model: GovernanceModel, known: readonly string[]): Set<string> {
  const out = new Set<string>(Object.keys(incoming.connections ?? {}));
  const tags = tagIndex(model.tags);
  for (const full of Object.keys(incoming.tags ?? {})) out.add(decodePath(full)[0]!);
  for (const p of incoming.policies ?? []) {
    const parts = selectorParts((p as { on?: unknown }).on);
    if (parts.all) return new Set(known);
    for (const g of parts.globs) {
      const conn = globShape(g).connection;
      if (conn === null) return new Set(known);
      out.add(conn);
    }
    for (const t of parts.tags) for (const a of tags.get(t) ?? []) out.add(a.connection);
  }
  return out;
}

/**
 * Guardrails that name `connection` (by a path or a tagged object there) and select nothing in
 * its catalog: applying there could grant what they were meant to restrict, so apply refuses.
 */
export function guardrailsSelectingNothing(model: GovernanceModel, connection: string, catalog: CatalogPaths): string[] {
  const ctx = { tags: tagIndex(model.tags), catalogs: new Map([[connection, catalog]]), known: [connection] };
  return model.policies
    .filter((p) => p.type === 'guardrail' && selectorReach(p.on, ctx, connection).named.get(connection) === false)
    .map((p) => p.name)
    .sort();
}
