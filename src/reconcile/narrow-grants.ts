import { securableKey, type AccessState, type Securable } from '../domain/access.js';
import type { Plan } from '../domain/plan.js';

/**
 * Which securables a plan's grant and revoke operations (run or blocked) touch (with the objects they narrow a
 * grant to), plus every object the catalog does not know: a diff restricted to these grants
 * gives the same grant operations and the same count of unsynced revocations as the whole
 * state, since a grant operation only arises where actual and desired differ.
 */
export function touchedBy(plan: Pick<Plan, 'operations' | 'blocked'>, isKnown: (s: Securable) => boolean): (s: Securable) => boolean {
  const keys = new Set<string>();
  // Blocked revocations are grant changes too, left out of the operations.
  for (const op of [...plan.operations, ...(plan.blocked ?? []).map((b) => b.operation)]) {
    if (op.kind !== 'grant' && op.kind !== 'revoke') continue;
    for (const s of op.securables) keys.add(securableKey(s));
    if (op.kind === 'revoke') for (const s of op.narrowTo ?? []) keys.add(securableKey(s));
  }
  return (s) => !isKnown(s) || keys.has(securableKey(s));
}

/**
 * A state with only the grants on securables `keep` selects (roles, memberships, default
 * privileges and default roles whole): drift classification against the last applied state and
 * the read-back after an apply need the grants a plan touches, not the tens of thousands it
 * leaves alone.
 */
export function narrowGrants<S extends AccessState | null>(state: S, keep: (s: Securable) => boolean): S {
  if (state === null) return state;
  // Grants of one relation share their securable object (desired state, the PostgreSQL reader,
  // a stored state unpacked): decide once per object, and once per securable otherwise.
  const decided = new Map<Securable, boolean>();
  const byKey = new Map<string, boolean>();
  const kept = (s: Securable): boolean => {
    let k = decided.get(s);
    if (k === undefined) {
      const key = securableKey(s);
      k = byKey.get(key);
      if (k === undefined) byKey.set(key, (k = keep(s)));
      decided.set(s, k);
    }
    return k;
  };
  return { ...state, grants: state.grants.filter((g) => kept(g.securable)) };
}
