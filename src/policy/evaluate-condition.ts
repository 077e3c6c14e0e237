import type { User } from '../domain/identity.js';
import type { Condition } from '../domain/policy.js';

/** A condition turned into a predicate once, so that it can be run over thousands of users cheaply. */
export type UserPredicate = (user: User) => boolean;

const NOBODY: UserPredicate = () => false;

/**
 * Compile a condition into a predicate. Semantics (also those of `matchesCondition`):
 * - keys inside one condition object are ANDed;
 * - `anyone: true` holds for everyone (`anyone: false` is the same as leaving it out);
 * - `groups` / `users` hold when the user is any one of those listed;
 * - `attributes` holds when, for every key, the user has any of the values
 *   (`attributeMatch: 'all'`: all of them);
 * - `any` / `all` / `not` combine nested conditions.
 *
 * Fail closed: a condition with no effective key (`{}`, `{ attributeMatch: 'all' }`,
 * `{ anyone: false }`) matches nobody, and so does any empty list (`groups: []`, `any: []`,
 * `all: []`, `attributes: {}`, an attribute key with no values), even under `not`. A typo or an
 * empty list in a policy must never widen access to everyone; `anyone: true` is the way to say
 * "everyone".
 */
export function compileCondition(cond: Condition): UserPredicate {
  const parts: UserPredicate[] = [];
  if (cond.anyone === true) parts.push(() => true);
  if (cond.groups !== undefined) {
    const groups = new Set(cond.groups);
    if (groups.size === 0) return NOBODY;
    parts.push((u) => u.groups.some((g) => groups.has(g)));
  }
  if (cond.users !== undefined) {
    const users = new Set(cond.users);
    if (users.size === 0) return NOBODY;
    parts.push((u) => users.has(u.name));
  }
  if (cond.attributes !== undefined) {
    const entries = Object.entries(cond.attributes).map(([key, values]) => [key, new Set(values)] as const);
    if (entries.length === 0 || entries.some(([, values]) => values.size === 0)) return NOBODY;
    const all = cond.attributeMatch === 'all';
    parts.push((u) =>
      entries.every(([key, wanted]) => {
        const have = u.attributes[key];
        if (have === undefined) return false;
        if (all) {
          const own = new Set(have);
          for (const w of wanted) if (!own.has(w)) return false;
          return true;
        }
        return have.some((v) => wanted.has(v));
      }),
    );
  }
  if (cond.any !== undefined) {
    if (cond.any.length === 0) return NOBODY;
    const subs = cond.any.map(compileCondition);
    parts.push((u) => subs.some((s) => s(u)));
  }
  if (cond.all !== undefined) {
    if (cond.all.length === 0) return NOBODY;
    const subs = cond.all.map(compileCondition);
    parts.push((u) => subs.every((s) => s(u)));
  }
  if (cond.not !== undefined) {
    const sub = compileCondition(cond.not);
    // An empty or malformed condition under `not` must not flip into "everyone".
    if (sub === NOBODY) return NOBODY;
    parts.push((u) => !sub(u));
  }
  if (parts.length === 0) return NOBODY;
  if (parts.length === 1) return parts[0]!;
  return (u) => parts.every((p) => p(u));
}

/**
 * Does `user` satisfy `cond`? See `compileCondition` for the exact semantics; in short, keys
 * are ANDed and an empty condition matches nobody (fail closed).
 */
export function matchesCondition(cond: Condition, user: User): boolean {
  return compileCondition(cond)(user);
}
