import type { Grant } from '../domain/access.js';
import { compareGrants } from '../domain/canonical-state.js';
import type { GrantChange } from './group-operations.js';
import { privilegeMask, privilegesOf } from './state-atoms.js';

/**
 * Privileges to revoke and to grant, per (securable, grantee), with drift relative to the last
 * apply: revoking what the last apply did not grant, or granting again what it did grant
 * (someone revoked it by hand), is drift. A revocation is split by grantor: the actual state
 * may hold the same privilege from several grantors (PostgreSQL), and each must be revoked by
 * (or as) the role that granted it.
 *
 * Grants are the bulk of a state (tables × policies), so instead of hashing every atom this
 * walks the three lists in canonical order at once: O(n) with no per-atom allocation when the
 * lists are canonical (the desired state always is; the actual-state reader should be), and a
 * sort first when one is not.
 */
export function diffGrants(
  actual: readonly Grant[],
  desired: readonly Grant[],
  last: readonly Grant[] | null,
): { readonly revokes: GrantChange[]; readonly grants: GrantChange[] } {
  const A = new Cursor(sorted(actual));
  const D = new Cursor(sorted(desired));
  const L = new Cursor(last === null ? [] : sorted(last));
  const revokes: GrantChange[] = [];
  const grants: GrantChange[] = [];
  for (;;) {
    const a = A.peek();
    const d = D.peek();
    if (a === undefined && d === undefined) break;
    const head = a === undefined ? d! : d === undefined ? a : compareGrants(a, d) <= 0 ? a : d;
    const am = A.take(head);
    const dm = D.take(head);
    if (am === dm) continue;
    L.skipBefore(head);
    const lm = L.take(head);
    const gone = am & ~dm;
    const missing = dm & ~am;
    if (gone !== 0) {
      for (const entry of A.taken()) {
        const m = privilegeMask(entry.privileges) & gone;
        if (m === 0) continue;
        push(revokes, head, m & lm, false, entry.grantor, entry);
        push(revokes, head, m & ~lm, true, entry.grantor, entry);
      }
    }
    if (missing !== 0) push(grants, head, missing & ~lm, false, undefined);
    if (missing !== 0) push(grants, head, missing & lm, true, undefined);
  }
  return { revokes, grants };
}

function push(out: GrantChange[], head: Grant, mask: number, drift: boolean, grantor: string | undefined, actual?: Grant): void {
  if (mask === 0) return;
  out.push({
    securable: head.securable,
    grantee: head.grantee,
    privileges: privilegesOf(mask),
    drift,
    ...(grantor !== undefined ? { grantor } : {}),
    // What the actual state says about revoking it (MySQL database-level grants).
    ...(actual?.narrowTo !== undefined ? { narrowTo: actual.narrowTo } : {}),
    ...(actual?.revokeBlocked !== undefined ? { revokeBlocked: actual.revokeBlocked } : {}),
  });
}

/**
 * A list's canonical order, sorted at most once per list: a plan with changes diffs the same
 * actual state twice (without, then with the last applied state), and sorting S1's 60,000
 * actual grants cost ≈0.25 s each time in a CLI process.
 */
const sortedOnce = new WeakMap<readonly Grant[], readonly Grant[]>();

function sorted(list: readonly Grant[]): readonly Grant[] {
  const hit = sortedOnce.get(list);
  if (hit !== undefined) return hit;
  let out = list;
  for (let i = 1; i < list.length; i++) {
    if (compareGrants(list[i - 1]!, list[i]!) > 0) {
      out = [...list].sort(compareGrants);
      break;
    }
  }
  sortedOnce.set(list, out);
  return out;
}

/** Walks a sorted grant list; `take` ORs the privileges of every entry equal to `head`. */
class Cursor {
  private i = 0;
  private from = 0;
  constructor(private readonly list: readonly Grant[]) {}

  peek(): Grant | undefined {
    return this.list[this.i];
  }

  take(head: Grant): number {
    let mask = 0;
    this.from = this.i;
    for (let g = this.list[this.i]; g !== undefined && compareGrants(g, head) === 0; g = this.list[++this.i]) mask |= privilegeMask(g.privileges);
    return mask;
  }

  /** The entries the last `take` consumed (one per grantor). */
  taken(): readonly Grant[] {
    return this.list.slice(this.from, this.i);
  }

  skipBefore(head: Grant): void {
    for (let g = this.list[this.i]; g !== undefined && compareGrants(g, head) < 0; g = this.list[++this.i]);
  }
}
