import { StewardError } from '../domain/errors.js';
import { globCovers, type Glob } from '../domain/glob.js';
import { encodePath } from '../domain/paths.js';
import { segmentsKey, type CatalogIndex, type RelationInfo } from './catalog-index.js';
import type { CompiledMask } from './compile-data-policies.js';
import { policyError } from './compile-data-policies.js';

/** How a mask reached a column; higher wins. */
export const TARGET_RANK = { 'column path': 4, 'column tag': 3, 'table tag': 2, glob: 1 } as const;
export type TargetKind = keyof typeof TARGET_RANK;

/** The mask that applies to one column, and why it won. */
export interface MaskDecision {
  readonly mask: CompiledMask;
  readonly kind: TargetKind;
  /** `column path`, `column tag pii`, `table tag sales`, `glob conn/db/*`, `all`. */
  readonly via: string;
}

interface Candidate {
  rank: number;
  decision: MaskDecision;
  /** Another policy reaching the column at the same rank (an error unless a higher rank wins). */
  tie: MaskDecision | null;
}

/**
 * Which mask applies to each column of each eligible relation. Several masks on one column:
 * the most specific target wins — a column path, then a column tag, then a table tag (on the
 * table or a container), then a glob (`paths`, wildcard `columns`, `all`); two policies at the
 * same level are an error naming both. A literal column path that names no column of this
 * connection's catalog is an error (a renamed column must not silently lose its mask).
 *
 * Returns relation index → column name → decision.
 */
export function decideMasks(
  masks: readonly CompiledMask[],
  index: CatalogIndex,
  eligible: (rel: RelationInfo) => boolean,
  hierarchyDepth: number,
): Map<number, Map<string, MaskDecision>> {
  const found = new Map<number, Map<string, Candidate>>();
  const offer = (rel: RelationInfo, column: string, mask: CompiledMask, kind: TargetKind, via: string): void => {
    if (!eligible(rel)) return;
    let cols = found.get(rel.index);
    if (cols === undefined) found.set(rel.index, (cols = new Map<string, Candidate>()));
    const rank = TARGET_RANK[kind];
    const decision: MaskDecision = { mask, kind, via };
    const c = cols.get(column);
    if (c === undefined || rank > c.rank) cols.set(column, { rank, decision, tie: null });
    else if (rank === c.rank && c.decision.mask !== mask && c.tie === null) c.tie = decision;
  };

  for (const m of masks) {
    const sel = m.on;
    for (const t of m.columns) {
      if (t.literal !== null) literalColumn(m, t.index, t.literal, index, hierarchyDepth, (rel, col) => offer(rel, col, m, 'column path', 'column path'));
      else globColumns(t.glob, index, hierarchyDepth, (rel, col) => offer(rel, col, m, 'glob', `glob ${t.glob.source}`));
    }
    for (const tag of sel.columnTags) {
      for (const r of index.byColumnTag.get(tag) ?? []) {
        const rel = index.relations[r]!;
        for (const col of rel.entry.columns) if (col.tags.includes(tag)) offer(rel, col.name, m, 'column tag', `column tag ${tag}`);
      }
    }
    for (const tag of sel.tags) {
      for (const r of index.byTag.get(tag) ?? []) {
        const rel = index.relations[r]!;
        if (!tableTags(rel, index).has(tag)) continue;
        for (const col of rel.entry.columns) offer(rel, col.name, m, 'table tag', `table tag ${tag}`);
      }
    }
    for (const g of sel.globs) globColumns(g, index, hierarchyDepth, (rel, col) => offer(rel, col, m, 'glob', `glob ${g.source}`));
    if (sel.all) for (const rel of index.relations) for (const col of rel.entry.columns) offer(rel, col.name, m, 'glob', 'all');
  }

  const out = new Map<number, Map<string, MaskDecision>>();
  for (const [r, cols] of [...found.entries()].sort((a, b) => a[0] - b[0])) {
    const decided = new Map<string, MaskDecision>();
    for (const [name, c] of cols) {
      if (c.tie !== null) {
        const rel = index.relations[r]!;
        const [a, b] = [c.decision.mask.name, c.tie.mask.name].sort();
        throw new StewardError('invalid_input', `policies "${a}" and "${b}" both mask column ${encodePath([...rel.path, name])} at the same level (${c.decision.kind})`, {
          hint: 'make one target more specific (column path > column tag > table tag > glob), or merge the two policies',
          details: { policy: a, other: b, field: 'on' },
        });
      }
      decided.set(name, c.decision);
    }
    out.set(r, decided);
  }
  return out;
}

/** Tags on the relation itself and its containers (not its columns'). */
export function tableTags(rel: RelationInfo, index: CatalogIndex): ReadonlySet<string> {
  const parent = rel.containers[rel.containers.length - 1];
  const inherited = parent === undefined ? undefined : index.containers[parent]!.tags;
  if (rel.entry.tags.length === 0) return inherited ?? new Set();
  return new Set([...(inherited ?? []), ...rel.entry.tags]);
}

function literalColumn(
  m: CompiledMask,
  at: number,
  path: readonly string[],
  index: CatalogIndex,
  hierarchyDepth: number,
  visit: (rel: RelationInfo, column: string) => void,
): void {
  if (path[0] !== index.connection) return;
  const field = ['on', 'columns', at];
  if (path.length !== hierarchyDepth + 2) {
    throw policyError(m.name, field, `"${encodePath(path)}" is not a column path (${hierarchyDepth + 2} segments: connection, ${hierarchyDepth === 3 ? 'database, schema' : 'database'}, table, column)`, 'give the full path of one column, or use a glob');
  }
  const segments = path.slice(1, -1);
  const column = path[path.length - 1]!;
  const range = index.rangeOf(segments);
  const key = segmentsKey(segments);
  let rel: RelationInfo | undefined;
  if (range !== null) for (let i = range[0]; i < range[1]; i++) if (segmentsKey(index.relations[i]!.entry.segments) === key) rel = index.relations[i];
  if (rel === undefined) {
    throw policyError(m.name, field, `no table ${encodePath([index.connection, ...segments])} in the catalog`, 'check the path, or run `steward sync` if the table is new');
  }
  if (!rel.entry.columns.some((c) => c.name === column)) {
    throw policyError(m.name, field, `table ${encodePath(rel.path)} has no column "${column}"`, 'check the column name (a renamed column must be named again here)');
  }
  visit(rel, column);
}

/** Columns a glob covers (matches the column path or an ancestor), testing only relations under its literal prefix. */
function globColumns(glob: Glob, index: CatalogIndex, depth: number, visit: (rel: RelationInfo, column: string) => void): void {
  const literals: string[] = [];
  for (const s of glob.segments) {
    if (s.kind !== 'segment' || s.literal === null) break;
    literals.push(s.literal);
  }
  if (literals.length > 0 && literals[0] !== index.connection) return;
  // Past the relation's depth the literal prefix names a column: its relation is the range.
  const range = index.rangeOf(literals.slice(1, depth + 1));
  if (range === null) return;
  for (let i = range[0]; i < range[1]; i++) {
    const rel = index.relations[i]!;
    for (const col of rel.entry.columns) if (globCovers(glob, [...rel.path, col.name])) visit(rel, col.name);
  }
}
