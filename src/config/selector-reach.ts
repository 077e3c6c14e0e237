/**
 * What a policy's `on` reaches in the synced catalogs, per connection: used to warn about
 * paths and tags that name nothing, and to refuse a guardrail that would restrict nothing
 * (a typo in a guardrail must never widen access). Generic over policy types: every key of
 * `on` listed in GLOB_KEYS holds globs, every key in TAG_KEYS holds tag names.
 */
import { compileGlob } from '../domain/glob.js';
import { decodePath } from '../domain/paths.js';
import type { CatalogPaths } from './catalog-paths.js';
import { GLOB_KEYS, TAG_KEYS } from './check-file.js';

/** A tag on an object: `path` encoded below the connection. */
export interface TagAssignment {
  readonly connection: string;
  readonly path: string;
  readonly tag: string;
}

/**
 * Per connection the selector names (a glob whose first segment is that connection, or an
 * object tagged with one of its tags): true when something there matches, false when the
 * synced catalog has nothing that matches, null when the connection is not synced yet.
 * `anywhere` is the same for the parts that name no one connection (`all`, a glob starting
 * with a wildcard); undefined when there are none.
 */
export interface SelectorReach {
  readonly named: ReadonlyMap<string, boolean | null>;
  readonly anywhere: boolean | null | undefined;
  /** The selector has no tag, path or `all` at all. */
  readonly empty: boolean;
}

/** Tag name → where it is assigned. */
export function tagIndex(tags: readonly TagAssignment[]): Map<string, TagAssignment[]> {
  const index = new Map<string, TagAssignment[]>();
  for (const t of tags) {
    const list = index.get(t.tag);
    if (list) list.push(t);
    else index.set(t.tag, [t]);
  }
  return index;
}

/**
 * The connection a glob names by its first segment (null when that segment has a wildcard),
 * how many segments it has, and whether one is `**` (any depth).
 */
export function globShape(source: string): { connection: string | null; depth: number; anyDepth: boolean } {
  const segments = compileGlob(source).segments;
  const first = segments[0];
  return { connection: first?.kind === 'segment' ? first.literal : null, depth: segments.length, anyDepth: segments.some((s) => s.kind === 'any-depth') };
}

/** Merge one result into a connection's: a match anywhere wins, then "not synced", then none. */
function merge(a: boolean | null | undefined, b: boolean | null): boolean | null {
  if (a === true || b === true) return true;
  if (a === null || b === null) return null;
  return false;
}

/** Read `on` generically: a data policy redesign may add keys; the known ones are checked. */
export function selectorParts(on: unknown): { all: boolean; tags: string[]; globs: string[] } {
  const o = (on ?? {}) as Record<string, unknown>;
  const strings = (k: string): string[] => (Array.isArray(o[k]) ? (o[k] as unknown[]).filter((x): x is string => typeof x === 'string') : []);
  return { all: o.all === true, tags: TAG_KEYS.flatMap(strings), globs: GLOB_KEYS.flatMap(strings) };
}

/**
 * Where the selector `on` reaches. `only`: look at this connection alone (apply on one
 * connection after its sync); else at every connection in `known`.
 */
export interface ReachContext {
  readonly tags: ReadonlyMap<string, readonly TagAssignment[]>;
  readonly catalogs: ReadonlyMap<string, CatalogPaths>;
  readonly known: readonly string[];
  /** Per tag, where it reaches: filled on first use (thousands of policies share a few tags). */
  readonly tagCache?: Map<string, Map<string, boolean | null>>;
}

/** Where one tag reaches, per connection it is assigned on. */
function tagReach(tag: string, ctx: ReachContext): Map<string, boolean | null> {
  const hit = ctx.tagCache?.get(tag);
  if (hit !== undefined) return hit;
  const out = new Map<string, boolean | null>();
  for (const a of ctx.tags.get(tag) ?? []) {
    if (out.get(a.connection) === true) continue;
    const cat = ctx.catalogs.get(a.connection);
    out.set(a.connection, merge(out.get(a.connection), cat === undefined ? null : cat.has(decodePath(a.path))));
  }
  ctx.tagCache?.set(tag, out);
  return out;
}

export function selectorReach(on: unknown, ctx: ReachContext, only?: string): SelectorReach {
  const parts = selectorParts(on);
  const named = new Map<string, boolean | null>();
  let anywhere: boolean | null | undefined;
  const inScope = (c: string): boolean => only === undefined || c === only;

  for (const tag of parts.tags) {
    for (const [conn, hit] of tagReach(tag, ctx)) {
      if (inScope(conn)) named.set(conn, merge(named.get(conn), hit));
    }
  }
  for (const g of parts.globs) {
    const conn = globShape(g).connection;
    if (conn !== null) {
      if (!inScope(conn)) continue;
      const cat = ctx.catalogs.get(conn);
      named.set(conn, merge(named.get(conn), cat === undefined ? null : cat.globMatchesAny(g)));
    } else if (only === undefined) {
      for (const c of ctx.known) {
        const cat = ctx.catalogs.get(c);
        anywhere = merge(anywhere, cat === undefined ? null : cat.globMatchesAny(g));
      }
    }
  }
  if (parts.all && only === undefined) {
    for (const c of ctx.known) {
      const cat = ctx.catalogs.get(c);
      anywhere = merge(anywhere, cat === undefined ? null : cat.size > 0);
    }
  }
  return { named, anywhere, empty: !parts.all && parts.tags.length === 0 && parts.globs.length === 0 };
}
