/** Field names read back into paths: what lets a client point a server's issue at its own file. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldName, parseFieldName } from '../../src/config/issues.js';

describe('parseFieldName', () => {
  it('reads back what fieldName writes', () => {
    const key = fc.oneof(fc.constantFrom('policies', 'on', 'to', 'groups', 'paths', 'a-b_c'), fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
    const step = fc.oneof(key, fc.nat({ max: 100_000 }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 6 }), (path) => {
        expect(parseFieldName(fieldName(path))).toEqual(path);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the usual shapes', () => {
    expect(parseFieldName('policies[0].to.groups[1]')).toEqual(['policies', 0, 'to', 'groups', 1]);
    expect(parseFieldName('connections.pg.protect[2]')).toEqual(['connections', 'pg', 'protect', 2]);
    expect(parseFieldName('users["a.b"].groups[0]')).toEqual(['users', 'a.b', 'groups', 0]);
    expect(parseFieldName('tags["pg/db/s/t"]')).toEqual(['tags', 'pg/db/s/t']);
    expect(parseFieldName('(top level)')).toEqual([]);
  });

  it('answers null for what it cannot read back', () => {
    // A key shortened for display names no field exactly.
    const long = 'x y'.repeat(50);
    expect(parseFieldName(fieldName(['users', long]))).toBeNull();
    for (const bad of ['policies[', 'policies[a]', 'policies..x', '.x', 'a[0]b', 'a["x"', 'a["x"x]', '9a']) expect(parseFieldName(bad), bad).toBeNull();
  });
});
