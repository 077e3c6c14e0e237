import { StewardError } from '../domain/errors.js';
import { compileGlob, globCovers, globCoversAnyChildOf, type Glob } from '../domain/glob.js';
import type { Selector } from '../domain/policy.js';
import { relationsCoveredBy, type CatalogIndex, type ContainerInfo, type RelationInfo } from './catalog-index.js';
import type { CatalogEntry } from './input.js';

/** A selector with its globs compiled once. */
export interface CompiledSelector {
  readonly all: boolean;
  readonly tags: ReadonlySet<string>;
  readonly columnTags: ReadonlySet<string>;
  readonly globs: readonly Glob[];
}

/**
 * Compile a selector. Throws a plain Error naming the glob when one is malformed; callers
 * wrap it with the policy's name.
 */
export function compileSelector(selector: Selector): CompiledSelector {
  return {
    all: selector.all === true,
    tags: new Set(selector.tags ?? []),
    columnTags: new Set(selector.columnTags ?? []),
    globs: (selector.paths ?? []).map(compileGlob),
  };
}

/**
 * Does the selector pick this relation? `all`, `tags`, `paths` and `columnTags` are ORed.
 * - `tags`: the relation, one of its ancestors (database, schema) or one of its columns
 *   carries a listed tag. Ancestors count because tagging a schema is how people say "all of
 *   it"; columns count because "tables holding PII" is the usual reason to select by tag (a
 *   guardrail on `pii` must reach the table whose `email` column is tagged `pii`).
 * - `paths`: a glob (a full path starting with the connection name) matches the relation or
 *   one of its ancestors, as `protect` does: selecting a schema selects its tables.
 * - `columnTags`: one of its columns carries a listed tag.
 */
export function selectorMatches(sel: CompiledSelector, rel: RelationInfo): boolean {
  if (sel.all) return true;
  for (const t of sel.tags) if (rel.tags.has(t)) return true;
  for (const t of sel.columnTags) if (rel.columnTags.has(t)) return true;
  return sel.globs.some((g) => globCovers(g, rel.path));
}

/**
 * Every relation of the index the selector picks (same rule as `selectorMatches`), as sorted
 * indices. Costs what is selected: tags are looked up in the tag index, and a glob only
 * tests the relations under its literal prefix.
 */
export function selectRelations(sel: CompiledSelector, index: CatalogIndex): number[] {
  const n = index.relations.length;
  if (sel.all) return Array.from({ length: n }, (_v, i) => i);
  const lists: (readonly number[])[] = [];
  for (const t of sel.tags) {
    const l = index.byTag.get(t);
    if (l !== undefined) lists.push(l);
  }
  for (const t of sel.columnTags) {
    const l = index.byColumnTag.get(t);
    if (l !== undefined) lists.push(l);
  }
  for (const g of sel.globs) lists.push(coveredBy(g, index));
  return unionSorted(lists);
}

/**
 * Would the selector pick a table created later in this schema, whatever its name? `all` and
 * path globs covering any child do. Tags on the relation or its columns cannot be known in
 * advance; tags on the schema or database would be inherited, and count only when
 * `inheritedTags` is set: guardrails pass it (a restriction must reach future tables too),
 * subscriptions do not (new access waits for the next sync to see the table's own tags).
 */
export function selectsFutureChildrenOf(sel: CompiledSelector, container: ContainerInfo, inheritedTags: boolean): boolean {
  if (sel.all) return true;
  if (sel.globs.some((g) => globCoversAnyChildOf(g, container.path))) return true;
  if (inheritedTags) for (const t of sel.tags) if (container.tags.has(t)) return true;
  return false;
}

/**
 * Compile a list of globs (e.g. `options.protect`); a malformed one throws
 * `StewardError('invalid_input')` naming `field`.
 */
export function compileGlobs(sources: readonly string[], field = 'protect'): Glob[] {
  return sources.map((source) => {
    try {
      return compileGlob(source);
    } catch (err) {
      throw new StewardError('invalid_input', `${field}: ${(err as Error).message}`, {
        hint: 'globs are full paths starting with the connection name, e.g. warehouse/shop/public/*',
        details: { field },
        cause: err,
      });
    }
  });
}

/**
 * Is the entry under governance? `protect` globs are full paths starting with the connection
 * name and cover their matches and all descendants (future ones too).
 */
export function isProtected(entry: Pick<CatalogEntry, 'segments'>, connection: string, protect: readonly Glob[]): boolean {
  const path = [connection, ...entry.segments];
  return protect.some((g) => globCovers(g, path));
}

function coveredBy(glob: Glob, index: CatalogIndex): number[] {
  return relationsCoveredBy(glob, index.connection, index.relations, index.rangeOf);
}

/** Union of sorted index lists, sorted and without duplicates. */
function unionSorted(lists: readonly (readonly number[])[]): number[] {
  if (lists.length === 0) return [];
  if (lists.length === 1) return [...lists[0]!];
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Int32Array(total);
  let o = 0;
  for (const l of lists) for (const v of l) all[o++] = v;
  all.sort();
  const out: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) out.push(all[i]!);
  return out;
}
