import { cmp, compareSegments } from '../domain/canonical-state.js';
import { segmentsKey } from '../policy/catalog-index.js';
import type { ActualSystem, BuildReason, ProfileRow, SaltRow, SecureViewActual, SecureViewChange, SecureViewSpec, SecureViewState } from '../domain/secure-view.js';
import { changeStatements, type ParamStatement, type SecureViewDialect } from '../platforms/secure-view-dialect.js';

export interface SecureViewDiffOptions {
  /** The desired digest of a view (the dialect's CREATE statement, hashed). */
  readonly digestOf: (spec: SecureViewSpec) => string;
  /** Roles that read a view (its base table's subscribers). */
  readonly readersOf: (spec: SecureViewSpec) => readonly string[];
}

const rowKey = (r: ProfileRow): string => [r.principal, r.kind, r.name, r.value].join('\u0000');

/**
 * Turn actual secure-view state into desired, in an order that never shows more than either
 * side allows: system and containers first; salts; profile rows removed before rows added
 * (a moment of less access, never more); views built; views no longer wanted dropped; salts no
 * longer used removed. A view is rebuilt only when its desired digest changed or its rendered
 * digest is not the one recorded at build time, so a no-op plan is empty and a change of
 * users' groups or attributes plans profile rows only.
 */
export function planSecureViews(desired: SecureViewState, actual: SecureViewActual, opts: SecureViewDiffOptions): SecureViewChange[] {
  const actualSystems = new Map(actual.systems.map((s) => [segmentsKey(s.segments), s]));
  const existingContainers = new Set(actual.containers.map(segmentsKey));
  const setup: SecureViewChange[] = [];
  const salts: SecureViewChange[] = [];
  const rowsOut: SecureViewChange[] = [];
  const rowsIn: SecureViewChange[] = [];
  const builds: SecureViewChange[] = [];
  const drops: Extract<SecureViewChange, { kind: 'dropView' }>[] = [];
  const saltDrops: SecureViewChange[] = [];

  const wantedViews = new Set(desired.views.map((v) => segmentsKey(v.view)));
  const recorded = new Map<string, ActualSystem['views'][number]>();
  for (const s of actual.systems) for (const v of s.views) recorded.set(segmentsKey(v.view), v);

  for (const sys of desired.systems) {
    const have = actualSystems.get(segmentsKey(sys.segments));
    if (have === undefined || !have.ready) setup.push({ kind: 'setupSystem', system: sys.segments });
    diffSalts(sys.segments, sys.salts, have?.salts ?? [], salts, saltDrops);
    diffRows(sys.segments, sys.profile, have?.profile ?? [], rowsOut, rowsIn);
  }
  for (const c of desired.containers) if (!existingContainers.has(segmentsKey(c))) setup.push({ kind: 'createViewContainer', container: c });

  for (const spec of desired.views) {
    const rec = recorded.get(segmentsKey(spec.view));
    const reason: BuildReason | null =
      rec === undefined ? 'new' : rec.desired !== opts.digestOf(spec) ? 'changed' : rec.recorded === null || rec.rendered !== rec.recorded ? 'drift' : null;
    if (reason !== null) builds.push({ kind: 'buildView', spec, readers: opts.readersOf(spec), reason });
  }

  // Systems no longer wanted: drop their views, clear their rows and salts.
  const wantedSystems = new Set(desired.systems.map((s) => segmentsKey(s.segments)));
  for (const s of actual.systems) {
    for (const v of s.views) {
      if (!wantedViews.has(segmentsKey(v.view))) drops.push({ kind: 'dropView', view: v.view, system: s.segments });
    }
    if (wantedSystems.has(segmentsKey(s.segments))) continue;
    diffRows(s.segments, [], s.profile, rowsOut, rowsIn);
    diffSalts(s.segments, [], s.salts, salts, saltDrops);
  }
  drops.sort((a, b) => compareSegments(a.view, b.view));
  return [...setup, ...salts, ...rowsOut, ...rowsIn, ...builds, ...drops, ...saltDrops];
}

function diffRows(system: readonly string[], want: readonly ProfileRow[], have: readonly ProfileRow[], out: SecureViewChange[], into: SecureViewChange[]): void {
  const haveKeys = new Set(have.map(rowKey));
  const wantKeys = new Set(want.map(rowKey));
  const add = want.filter((r) => !haveKeys.has(rowKey(r)));
  const remove = have.filter((r) => !wantKeys.has(rowKey(r))).sort((a, b) => cmp(rowKey(a), rowKey(b)));
  if (remove.length > 0) out.push({ kind: 'deleteProfileRows', system, rows: remove });
  if (add.length > 0) into.push({ kind: 'insertProfileRows', system, rows: add });
}

function diffSalts(system: readonly string[], want: readonly SaltRow[], have: readonly SaltRow[], put: SecureViewChange[], drop: SecureViewChange[]): void {
  const haveBy = new Map(have.map((s) => [s.name, s.value]));
  const wantNames = new Set(want.map((s) => s.name));
  const changed = want.filter((s) => haveBy.get(s.name) !== s.value);
  const gone = have.filter((s) => !wantNames.has(s.name)).map((s) => s.name).sort(cmp);
  if (changed.length > 0) put.push({ kind: 'putSalts', system, rows: changed });
  if (gone.length > 0) drop.push({ kind: 'deleteSalts', system, names: gone });
}

/** Compile secure-view changes to statements for one dialect, in order. */
export function compileSecureViewOps(ops: readonly SecureViewChange[], dialect: SecureViewDialect, owner: string): ParamStatement[] {
  return ops.flatMap((op) => changeStatements(dialect, op, owner));
}
