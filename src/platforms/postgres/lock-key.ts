import { createHash } from 'node:crypto';

/**
 * The 64-bit advisory-lock key for a lock name, as a decimal string to bind as `$1::bigint`.
 * Computed in JS (first 8 bytes of SHA-256, signed) rather than with `hashtext`, whose output
 * is 32-bit and not guaranteed stable across PostgreSQL versions; the `steward` namespace keeps
 * it apart from other applications' advisory locks on the same server.
 */
export function advisoryLockKey(name: string): string {
  const digest = createHash('sha256').update(`steward\u0000${name}`, 'utf8').digest();
  return digest.readBigInt64BE(0).toString();
}
