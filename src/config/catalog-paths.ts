/**
 * The synced catalog of one connection as a sorted list of paths, to answer "does this glob
 * or path name anything?" without a pass over the whole catalog per question: a glob only
 * looks at the paths under its literal prefix (as the policy engine's index does).
 */
import { compileGlob, globMatches } from '../domain/glob.js';
import { decodePath } from '../domain/paths.js';

/** What the store gives: a live object's encoded path and, when read, its columns. */
export interface CatalogObjectRef {
  readonly path: string;
  readonly columns?: readonly { readonly name: string; readonly removedAt?: string }[] | null;
}

export interface CatalogPaths {
  readonly connection: string;
  /** Objects (databases, schemas, relations, and columns when they were read). */
  readonly size: number;
  /** Some object's full path (connection first) is matched by the glob. */
  globMatchesAny(glob: string): boolean;
  /** The object or column at `segments` (below the connection) exists. */
  has(segments: readonly string[]): boolean;
}

// NUL cannot occur in a stored name (PostgreSQL text cannot hold it), so it separates segments.
const SEP = '\u0000';

export function catalogPaths(connection: string, objects: readonly CatalogObjectRef[]): CatalogPaths {
  const keys: string[] = [];
  for (const o of objects) {
    const segs = decodePath(o.path);
    keys.push(segs.join(SEP));
    for (const c of o.columns ?? []) if (c.removedAt === undefined) keys.push([...segs, c.name].join(SEP));
  }
  keys.sort();
  const set = new Set(keys);
  const cache = new Map<string, boolean>();

  /** Index of the first key >= `prefix`. */
  const lowerBound = (prefix: string): number => {
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  return {
    connection,
    size: keys.length,
    has: (segments) => set.has(segments.join(SEP)),
    globMatchesAny(source) {
      const hit = cache.get(source);
      if (hit !== undefined) return hit;
      const glob = compileGlob(source);
      const literal: string[] = [];
      for (const s of glob.segments) {
        if (s.kind !== 'segment' || s.literal === null) break;
        literal.push(s.literal);
      }
      let found = false;
      if (literal.length === 0 || literal[0] === connection) {
        const below = literal.slice(1);
        const prefix = below.join(SEP);
        for (let i = below.length === 0 ? 0 : lowerBound(prefix); i < keys.length; i++) {
          const key = keys[i]!;
          if (below.length > 0 && key !== prefix && !key.startsWith(prefix + SEP)) break;
          if (globMatches(glob, [connection, ...key.split(SEP)])) {
            found = true;
            break;
          }
        }
      }
      cache.set(source, found);
      return found;
    },
  };
}
