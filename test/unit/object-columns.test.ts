import { describe, expect, it } from 'vitest';
import { firstFormFingerprintOf, fingerprintOf, sameFingerprint } from '../../src/catalog/fingerprint.js';
import { decodeColumns, encodeColumns, type StoredColumn } from '../../src/store/object-columns.js';

const hostile = 'we"ird; --/*\\ Ünï,\n""\t[]{}';

describe('stored column lists', () => {
  it('round-trip every field, hostile names, comments and removal marks included', () => {
    const cols: StoredColumn[] = [
      { name: 'id', type: 'bigint', nullable: false, position: 1, comment: null },
      { name: hostile, type: 'character varying(32)', nullable: true, position: 2, comment: hostile },
      { name: '', type: 'integer[]', nullable: true, position: 3, comment: '' },
      { name: '😀\u0001\u2028', type: 'x', nullable: true, position: 4, comment: '\u0000' },
      // Removed columns follow the live ones (as sync writes them) and keep their positions.
      { name: 'gone', type: 'text', nullable: true, position: 3, comment: null, removedAt: '2026-12-01T07:00:00.000Z' },
      { name: 'gone2', type: 'text', nullable: false, position: 7, comment: 'was here', removedAt: '2026-12-01T07:00:00.000Z' },
    ];
    const text = encodeColumns(cols);
    expect(decodeColumns(text)).toEqual(cols);
    expect(decodeColumns(encodeColumns([]))).toEqual([]);
    // Live columns without a comment carry no key for it (a decoded column has none for removedAt).
    expect(text.startsWith('[["id","bigint",0,1],')).toBe(true);
    expect('removedAt' in decodeColumns(text)[0]!).toBe(false);
  });

  it('counts the positions of live columns in list order (PostgreSQL writes attnums, with gaps where columns were dropped)', () => {
    expect(decodeColumns('[["a","int",0,1],["c","text",1,3],["d","text",1,7],["gone","text",1,2,null,"2026-12-01T07:00:00.000Z"]]').map((c) => [c.name, c.position])).toEqual([
      ['a', 1],
      ['c', 2],
      ['d', 3],
      ['gone', 2],
    ]);
  });

  it('is a third of the old object form for a common table, and the fingerprint does not depend on it', () => {
    const cols: StoredColumn[] = ['id', 'name', 'amount', 'created_at', 'flag'].map((name, i) => ({ name, type: 'text', nullable: i > 0, position: i + 1, comment: null }));
    expect(encodeColumns(cols).length * 2).toBeLessThan(JSON.stringify(cols).length);
    const o = { kind: 'table' as const, segments: ['d', 's', 't'], owner: 'o', comment: null, columns: cols };
    expect(fingerprintOf({ ...o, columns: decodeColumns(encodeColumns(cols)) })).toBe(fingerprintOf(o));
    // Columns read as text (PostgreSQL) fingerprint as the same columns given as objects.
    expect(fingerprintOf({ ...o, columnsText: encodeColumns(cols) })).toBe(fingerprintOf(o));
    expect(fingerprintOf({ ...o, columns: cols.slice(1) })).not.toBe(fingerprintOf(o));
  });

  it('fingerprints stay those of earlier versions (stored ones remain valid)', () => {
    const o = {
      kind: 'table' as const, segments: ['d', 's', 't'], owner: 'o', comment: 'c', sequences: [['s', 'seq']],
      columns: [{ name: 'id', type: 'bigint', nullable: false, position: 1, comment: null }, { name: 'n', type: 'text', nullable: true, position: 2, comment: 'x' }],
    };
    // Computed by the createHash-based fingerprint of revision 9ce0093: the first form.
    expect(firstFormFingerprintOf(o)).toBe('AQUkoE2NlJvqOyRH3EBX4/l2JsA=');
    // A store synced before the second form recognises an unchanged object by it…
    expect(fingerprintOf(o)).toMatch(/^2:/);
    expect(sameFingerprint('AQUkoE2NlJvqOyRH3EBX4/l2JsA=', fingerprintOf(o), o)).toBe(true);
    // …and a changed one as changed, in either form.
    const changed = { ...o, owner: 'p' };
    expect(sameFingerprint('AQUkoE2NlJvqOyRH3EBX4/l2JsA=', fingerprintOf(changed), changed)).toBe(false);
    expect(sameFingerprint(fingerprintOf(o), fingerprintOf(changed), changed)).toBe(false);
  });
});
