import type { Policy } from '../domain/policy.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Executor } from '../store/db.js';
import { policiesRepo } from '../store/policies-repo.js';

/**
 * The salt of a `hash` mask (`mask: { hash: { salt } }`) is a secret: stored sealed with the
 * store's master key (`{ hash: { saltSealed } }`), shown as `***` in API answers, lists and the
 * audit log, opened only for planning. A policy stored in the clear by an older version is read
 * as it is until `sealStored` seals it.
 */
export interface PolicySecrets {
  /** As stored: the salt sealed (the stored sealing kept when the salt did not change). */
  seal(p: Policy, stored: Policy | null): Policy;
  /** For planning: the salt opened. */
  open(p: Policy): Policy;
  /** For display: the salt as `***`. */
  redact(p: Policy): Policy;
  /** Seal every salt stored in the clear; returns how many. */
  sealStored(db: Executor): Promise<number>;
}

type HashMask = { readonly hash: { readonly salt?: string; readonly saltSealed?: string } };

function hashOf(p: Policy): HashMask['hash'] | null {
  if (p.type !== 'mask') return null;
  const m = p.mask as unknown;
  if (m === null || typeof m !== 'object' || !('hash' in m)) return null;
  const h = (m as HashMask).hash as unknown;
  return h !== null && typeof h === 'object' ? (h) : null;
}

function withHash(p: Policy, hash: HashMask['hash']): Policy {
  return { ...p, mask: { ...(p as { mask: object }).mask, hash } } as Policy;
}

const context = (name: string): string => `policy:${name}:mask.hash.salt`;

export function policySecrets(box: SecretBox): PolicySecrets {
  const api: PolicySecrets = {
    seal(p, stored) {
      const h = hashOf(p);
      if (h?.salt === undefined) return p;
      const before = stored === null ? null : hashOf(stored);
      const { salt, ...rest } = h;
      // `***` is what Steward shows: a policy read back and put again keeps its stored salt.
      const keep = before?.saltSealed !== undefined && stored!.name === p.name && (salt === '***' || box.open(before.saltSealed, context(p.name)) === salt);
      if (keep) return withHash(p, { ...rest, saltSealed: before.saltSealed });
      return withHash(p, { ...rest, saltSealed: box.seal(salt, context(p.name)) });
    },
    open(p) {
      const h = hashOf(p);
      if (h?.saltSealed === undefined) return p;
      const { saltSealed, ...rest } = h;
      return withHash(p, { ...rest, salt: box.open(saltSealed, context(p.name)) });
    },
    redact(p) {
      const h = hashOf(p);
      if (h === null || (h.salt === undefined && h.saltSealed === undefined)) return p;
      const { saltSealed: _s, ...rest } = h;
      return withHash(p, { ...rest, salt: '***' });
    },
    async sealStored(db) {
      let n = 0;
      for (const s of await policiesRepo.list(db)) {
        if (hashOf(s.policy)?.salt === undefined) continue;
        await policiesRepo.put(db, api.seal(s.policy, null), s.source);
        n++;
      }
      return n;
    },
  };
  return api;
}
