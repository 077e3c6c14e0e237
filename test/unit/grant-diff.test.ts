/**
 * diffGrants against a plain reference (maps keyed by securable and grantee): random lists in
 * random order, several grantors per grant, PUBLIC and account grantees, securables of every
 * kind and of awkward names. Same changes, in canonical order (by `compareGrants`). And a plan
 * whose drift is classified on the grants it touches only is the plan of the whole state.
 */
import { describe, expect, it } from 'vitest';
import { accountGrantee, EMPTY_STATE, granteeKey, PUBLIC_GRANTEE, roleGrantee, securableKey, type AccessState, type Grant, type Grantee, type Privilege, type Securable } from '../../src/domain/access.js';
import { compareGrants } from '../../src/domain/canonical-state.js';
import { planChanges } from '../../src/reconcile/diff.js';
import { diffGrants } from '../../src/reconcile/grant-diff.js';
import { narrowGrants, touchedBy } from '../../src/reconcile/narrow-grants.js';
import { privilegeMask, privilegesOf } from '../../src/reconcile/state-atoms.js';

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['a', 'b', 'a_b', 'A', 'é', 'a"b', 'x y', '', '\u0001', '\u0000', 'a\u0000', 'z'.repeat(3)];
const PRIVS: Privilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

function world(r: () => number, opts: { crowded?: boolean } = {}) {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  // Crowded: three securables only, so that each holds dozens of grants (long runs to order).
  const pool: Securable[] = [
    { kind: 'table', segments: ['d', 's', 't'] },
    { kind: 'schema', segments: ['d', 'é'] },
    { kind: 'column', segments: ['d', 's', 't', 'c'] },
  ];
  const securable = (): Securable => {
    if (opts.crowded === true) {
      const s = pick(pool);
      return { kind: s.kind, segments: [...s.segments] };
    }
    const kind = pick(['database', 'schema', 'table', 'sequence', 'column'] as const);
    const n = { database: 1, schema: 2, table: 3, sequence: 3, column: 4 }[kind];
    // A fresh object each time: the reader makes one per grant.
    return { kind, segments: Array.from({ length: n }, () => pick(NAMES)), ...(kind === 'database' && r() < 0.3 ? { pattern: true } : {}) };
  };
  const grantee = (): Grantee => (r() < 0.1 ? PUBLIC_GRANTEE : r() < 0.2 ? accountGrantee(pick(NAMES), pick(['%', 'localhost'])) : roleGrantee(pick(['r1', 'r2', 'steward_p', 'Z'])));
  const privileges = (): Privilege[] => PRIVS.filter(() => r() < 0.5).concat(['SELECT']).filter((p, i, a) => a.indexOf(p) === i);
  const grants = (n: number, grantors: boolean): Grant[] =>
    Array.from({ length: n }, () => ({ securable: securable(), grantee: grantee(), privileges: privileges(), ...(grantors && r() < 0.3 ? { grantor: pick(['g1', 'g2']) } : {}) }));
  return { grants };
}

const keyOf = (g: Grant): string => JSON.stringify([g.securable.kind, g.securable.pattern === true, g.securable.segments, granteeKey(g.grantee)]);

function reference(actual: readonly Grant[], desired: readonly Grant[], last: readonly Grant[] | null) {
  const masks = (list: readonly Grant[]) => {
    const m = new Map<string, number>();
    for (const g of list) m.set(keyOf(g), (m.get(keyOf(g)) ?? 0) | privilegeMask(g.privileges));
    return m;
  };
  const A = masks(actual);
  const D = masks(desired);
  const L = masks(last ?? []);
  const revokes: unknown[] = [];
  const grants: unknown[] = [];
  const seen = new Set<string>();
  for (const g of actual) {
    const k = keyOf(g);
    const gone = (A.get(k) ?? 0) & ~(D.get(k) ?? 0);
    const m = privilegeMask(g.privileges) & gone;
    const lm = L.get(k) ?? 0;
    for (const [mask, drift] of [[m & lm, false], [m & ~lm, true]] as const) {
      if (mask !== 0) revokes.push({ key: k, privileges: privilegesOf(mask), drift, grantor: g.grantor });
    }
  }
  for (const g of desired) {
    const k = keyOf(g);
    if (seen.has(k)) continue;
    seen.add(k);
    const missing = (D.get(k) ?? 0) & ~(A.get(k) ?? 0);
    const lm = L.get(k) ?? 0;
    for (const [mask, drift] of [[missing & ~lm, false], [missing & lm, true]] as const) {
      if (mask !== 0) grants.push({ key: k, privileges: privilegesOf(mask), drift });
    }
  }
  const sort = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();
  return { revokes: sort(revokes), grants: sort(grants) };
}

/**
 * One seeded case: actual grants, a desired list overlapping them a lot (as in life) plus its
 * own, a last apply or none; diffGrants must give the reference's changes, in canonical order.
 */
function checkSeed(seed: number, opts: { crowded?: boolean; actual: (r: () => number) => number; ownDesired: (r: () => number) => number }): void {
  const r = rng(seed);
  const w = world(r, { crowded: opts.crowded === true });
  const actual = w.grants(opts.actual(r), true);
  const desired = [...actual.filter(() => r() < 0.6).map((g) => ({ securable: { ...g.securable }, grantee: g.grantee, privileges: g.privileges })), ...w.grants(opts.ownDesired(r), false)];
  const last = r() < 0.3 ? null : [...desired.filter(() => r() < 0.7), ...w.grants(10, false)];
  const got = diffGrants(actual, desired, last);
  const view = (xs: readonly { securable: Securable; grantee: Grantee; privileges: readonly Privilege[]; drift: boolean; grantor?: string }[], withGrantor: boolean) =>
    xs.map((c) => JSON.stringify({ key: keyOf(c as Grant), privileges: c.privileges, drift: c.drift, ...(withGrantor ? { grantor: c.grantor } : {}) })).sort();
  const want = reference(actual, desired, last);
  expect(view(got.revokes, true)).toEqual(want.revokes);
  expect(view(got.grants, false)).toEqual(want.grants);
  // In canonical order.
  for (const list of [got.revokes, got.grants]) {
    for (let i = 1; i < list.length; i++) expect(compareGrants(list[i - 1] as Grant, list[i] as Grant)).toBeLessThanOrEqual(0);
  }
}

describe('diffGrants', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('matches the reference (seed %i)', (seed) => {
    checkSeed(seed, { actual: (r) => Math.floor(r() * 120), ownDesired: (r) => Math.floor(r() * 40) });
  });
});

describe('diffGrants with dozens of grants per securable', () => {
  it.each(Array.from({ length: 20 }, (_, i) => i + 500))('matches the reference (seed %i)', (seed) => {
    checkSeed(seed, { crowded: true, actual: (r) => 60 + Math.floor(r() * 200), ownDesired: (r) => Math.floor(r() * 80) });
  });
});

describe('narrowGrants: drift and read-back on the grants a plan touches', () => {
  it.each(Array.from({ length: 30 }, (_, i) => i + 100))('gives the plan of the whole state (seed %i)', (seed) => {
    const r = rng(seed);
    const w = world(r);
    const roles = ['r1', 'r2', 'steward_p', 'Z'].map((name) => ({ grantee: roleGrantee(name), purpose: 'policy' as const }));
    const state = (grants: Grant[]): AccessState => ({ ...EMPTY_STATE, roles, grants });
    const actualGrants = w.grants(Math.floor(r() * 150), true);
    const desiredGrants = [...actualGrants.filter(() => r() < 0.7).map((g) => ({ securable: { ...g.securable }, grantee: g.grantee, privileges: g.privileges })), ...w.grants(Math.floor(r() * 30), false)];
    // Sometimes a grantor the account cannot act as: its revocations are blocked, not run.
    const actual = r() < 0.5 ? { ...state(actualGrants), blockedGrantors: [{ grantor: 'g1', reason: 'g1 is a superuser' }] } : state(actualGrants);
    const desired = state(desiredGrants);
    const last = r() < 0.2 ? null : state([...desiredGrants.filter(() => r() < 0.6), ...w.grants(15, false)]);
    // Some objects the catalog has not seen yet.
    const unknown = new Set(actualGrants.filter(() => r() < 0.1).map((g) => securableKey(g.securable)));
    const isKnown = (s: Securable): boolean => !unknown.has(securableKey(s));
    const opts = { connection: 'c', isKnown };
    const whole = planChanges(actual, desired, { ...opts, lastApplied: last });
    const first = planChanges(actual, desired, { ...opts, lastApplied: null });
    const keep = touchedBy(first, isKnown);
    const narrowed = planChanges(narrowGrants(actual, keep), narrowGrants(desired, keep), { ...opts, lastApplied: narrowGrants(last, keep) });
    expect(narrowed.operations).toEqual(whole.operations);
    expect(narrowed.unsynced ?? 0).toBe(whole.unsynced ?? 0);
    expect(narrowed.blocked ?? []).toEqual(whole.blocked ?? []);
  });
});
