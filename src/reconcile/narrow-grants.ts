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
  // A plan of memberships alone touches no grant: only the unknown objects' are kept.
  if (keys.size === 0) return (s) => !isKnown(s);
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
  // a stored state unpacked): decide once per object. (`keep` computes at most one key; keying
  // a cache by the securable's text would cost as much.)
  const decided = new Map<Securable, boolean>();
  const kept = (s: Securable): boolean => {
    let k = decided.get(s);
    if (k === undefined) decided.set(s, (k = keep(s)));
    return k;
  };
  return { ...state, grants: state.grants.filter((g) => kept(g.securable)) };
}
