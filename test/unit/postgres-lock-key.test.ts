import { describe, expect, it } from 'vitest';
import { advisoryLockKey } from '../../src/platforms/postgres/lock-key.js';

describe('postgres advisoryLockKey', () => {
  it('is deterministic, distinct per name, and a signed 64-bit integer', () => {
    const a = advisoryLockKey('warehouse');
    expect(advisoryLockKey('warehouse')).toBe(a);
    expect(advisoryLockKey('warehouse2')).not.toBe(a);
    for (const name of ['warehouse', '', 'Ünïcödé', 'x'.repeat(1000)]) {
      const k = BigInt(advisoryLockKey(name));
      expect(k >= -(2n ** 63n) && k < 2n ** 63n).toBe(true);
    }
  });
});
