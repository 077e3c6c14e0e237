/**
 * An access state packed for storage: every distinct securable once, and grants grouped by what
 * they share (grantee, privileges, grantor…) as lists of securable indices. S1's desired state
 * is 60,000 grants on 5,000 tables: 9.8 MB as plain JSON, a fraction of that packed, and the
 * unpacked grants share one securable object per table (which the planner's per-object caches
 * rely on). Pure; `unpackState(packState(s))` holds the same grants, maybe in another order.
 */
import { securableKey, type AccessState, type Grant, type Securable } from './access.js';

type PackedSecurable = [Securable['kind'], readonly string[]] | [Securable['kind'], readonly string[], 1];

export interface PackedState {
  readonly state: Omit<AccessState, 'grants'>;
  readonly securables: readonly PackedSecurable[];
  /** Each group: the grant without its securable, and the securables (indices) it is on. */
  readonly grants: readonly { readonly g: Omit<Grant, 'securable'>; readonly s: readonly number[] }[];
}

export function packState(state: AccessState): PackedState {
  const { grants, ...rest } = state;
  const securables: PackedSecurable[] = [];
  const indexOf = new Map<Securable, number>();
  const indexByKey = new Map<string, number>();
  const securable = (s: Securable): number => {
    let i = indexOf.get(s);
    if (i !== undefined) return i;
    const key = securableKey(s);
    i = indexByKey.get(key);
    if (i === undefined) {
      i = securables.length;
      securables.push(s.pattern === true ? [s.kind, s.segments, 1] : [s.kind, s.segments]);
      indexByKey.set(key, i);
    }
    indexOf.set(s, i);
    return i;
  };
  const groups: { g: Omit<Grant, 'securable'>; s: number[] }[] = [];
  // Grants of one role share their grantee and privilege objects (the desired state): group by identity first.
  const byObjects = new Map<object, Map<object, number>>();
  const byJson = new Map<string, number>();
  for (const grant of grants) {
    const { securable: s, ...g } = grant;
    const plain = g.grantor === undefined && g.narrowTo === undefined && g.revokeBlocked === undefined;
    let at = plain ? byObjects.get(g.grantee)?.get(g.privileges) : undefined;
    if (at === undefined) {
      const key = JSON.stringify(g);
      at = byJson.get(key);
      if (at === undefined) {
        at = groups.length;
        groups.push({ g, s: [] });
        byJson.set(key, at);
      }
      if (plain) {
        let inner = byObjects.get(g.grantee);
        if (inner === undefined) byObjects.set(g.grantee, (inner = new Map<object, number>()));
        inner.set(g.privileges, at);
      }
    }
    groups[at]!.s.push(securable(s));
  }
  return { state: rest, securables, grants: groups };
}

export function unpackState(packed: PackedState): AccessState {
  const securables: Securable[] = packed.securables.map(([kind, segments, pattern]) => (pattern === 1 ? { kind, segments, pattern: true } : { kind, segments }));
  const grants: Grant[] = [];
  for (const { g, s } of packed.grants) for (const i of s) grants.push({ securable: securables[i]!, ...g });
  return { ...packed.state, grants };
}
