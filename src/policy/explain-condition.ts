import type { User } from '../domain/identity.js';
import type { Condition } from '../domain/policy.js';

/** Whether a condition holds for a user, and the facts that decided it, in words. */
export interface ConditionTrace {
  readonly matched: boolean;
  /** When matched: what made it hold ("member of group analysts"); otherwise what failed. */
  readonly because: readonly string[];
}

/**
 * `matchesCondition` with reasons, for `explain` and `who-can`. Same semantics (keys ANDed,
 * empty condition or empty list → nobody); a unit test holds the two together.
 */
export function explainCondition(cond: Condition, user: User): ConditionTrace {
  const t = trace(cond, user);
  return { matched: t.matched, because: t.because };
}

interface Trace extends ConditionTrace {
  /** Empty or malformed: matches nobody, even under `not`. */
  readonly empty: boolean;
}

const list = (xs: readonly string[]): string => `[${xs.join(', ')}]`;
const nobody = (why: string): Trace => ({ matched: false, because: [why], empty: true });

function trace(cond: Condition, user: User): Trace {
  const held: string[] = [];
  const failed: string[] = [];
  let keys = 0;
  if (cond.anyone === true) {
    keys++;
    held.push('anyone');
  }
  if (cond.groups !== undefined) {
    if (cond.groups.length === 0) return nobody('groups: [] matches nobody');
    keys++;
    const wanted = new Set(cond.groups);
    const hits = user.groups.filter((g) => wanted.has(g));
    if (hits.length > 0) held.push(...hits.map((g) => `member of group ${g}`));
    else failed.push(`not in any of groups ${list(cond.groups)}`);
  }
  if (cond.users !== undefined) {
    if (cond.users.length === 0) return nobody('users: [] matches nobody');
    keys++;
    if (cond.users.includes(user.name)) held.push(`named user ${user.name}`);
    else failed.push(`not one of users ${list(cond.users)}`);
  }
  if (cond.attributes !== undefined) {
    const entries = Object.entries(cond.attributes);
    if (entries.length === 0) return nobody('attributes: {} matches nobody');
    if (entries.some(([, v]) => v.length === 0)) return nobody('an attribute with no values matches nobody');
    keys++;
    const all = cond.attributeMatch === 'all';
    for (const [key, wanted] of entries) {
      const have = user.attributes[key] ?? [];
      if (all) {
        const missing = wanted.filter((w) => !have.includes(w));
        if (missing.length === 0) held.push(`attribute ${key} has all of ${list(wanted)}`);
        else failed.push(`attribute ${key} lacks ${list(missing)}`);
      } else {
        const hits = have.filter((v) => wanted.includes(v));
        if (hits.length > 0) held.push(`attribute ${key} = ${hits[0]!}`);
        else failed.push(`attribute ${key} has none of ${list(wanted)}`);
      }
    }
  }
  if (cond.any !== undefined) {
    if (cond.any.length === 0) return nobody('any: [] matches nobody');
    keys++;
    const subs = cond.any.map((c) => trace(c, user));
    const hit = subs.find((s) => s.matched);
    if (hit !== undefined) held.push(...hit.because);
    else failed.push(`none of any: ${subs.flatMap((s) => s.because).join('; ')}`);
  }
  if (cond.all !== undefined) {
    if (cond.all.length === 0) return nobody('all: [] matches nobody');
    keys++;
    const subs = cond.all.map((c) => trace(c, user));
    const misses = subs.filter((s) => !s.matched);
    if (misses.length === 0) held.push(...subs.flatMap((s) => s.because));
    else failed.push(...misses.flatMap((s) => s.because));
  }
  if (cond.not !== undefined) {
    const sub = trace(cond.not, user);
    if (sub.empty) return nobody(`not over an empty condition matches nobody (${sub.because.join('; ')})`);
    keys++;
    if (sub.matched) failed.push(`excluded: ${sub.because.join('; ')}`);
    else held.push(`not excluded (${sub.because.join('; ')})`);
  }
  if (keys === 0) return nobody('an empty condition matches nobody');
  return failed.length === 0 ? { matched: true, because: held, empty: false } : { matched: false, because: failed, empty: false };
}
