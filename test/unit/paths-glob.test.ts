import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodePath, encodePath, escapeSegment } from '../../src/domain/paths.js';
import { compileGlob, globCovers, globCoversAnyChildOf, globMatches } from '../../src/domain/glob.js';

describe('paths', () => {
  it('escapes /, * and backslash in segments', () => {
    expect(escapeSegment('a/b*c\\d')).toBe('a\\/b\\*c\\\\d');
    expect(encodePath(['wh', 'db', 'we/ird', 'st*ar'])).toBe('wh/db/we\\/ird/st\\*ar');
  });

  it('round-trips any names', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 5 }), (segs) => {
        expect(decodePath(encodePath(segs))).toEqual(segs);
      }),
    );
  });

  it('rejects malformed paths with a reason', () => {
    expect(() => decodePath('a//b')).toThrow(/empty segment/);
    expect(() => decodePath('a/b\\')).toThrow(/lone backslash/);
    expect(() => decodePath('a/*')).toThrow(/unescaped "\*"/);
    expect(() => decodePath('')).toThrow(/empty path/);
  });
});

describe('globs', () => {
  const g = (s: string) => compileGlob(s);

  it('matches one segment with * and any depth with **', () => {
    expect(globMatches(g('wh/shop/public/*'), ['wh', 'shop', 'public', 'orders'])).toBe(true);
    expect(globMatches(g('wh/shop/public/*'), ['wh', 'shop', 'public'])).toBe(false);
    expect(globMatches(g('wh/shop/public/ord*'), ['wh', 'shop', 'public', 'orders'])).toBe(true);
    expect(globMatches(g('wh/shop/public/ord*'), ['wh', 'shop', 'public', 'customers'])).toBe(false);
    expect(globMatches(g('wh/**/orders'), ['wh', 'shop', 'public', 'orders'])).toBe(true);
    expect(globMatches(g('wh/**'), ['wh'])).toBe(true);
  });

  it('treats escaped characters literally', () => {
    expect(globMatches(g('wh/db/a\\/b'), ['wh', 'db', 'a/b'])).toBe(true);
    expect(globMatches(g('wh/db/a\\*'), ['wh', 'db', 'a*'])).toBe(true);
    expect(globMatches(g('wh/db/a\\*'), ['wh', 'db', 'ab'])).toBe(false);
    expect(globMatches(g('wh/db/a.b'), ['wh', 'db', 'aXb'])).toBe(false);
  });

  it('covers descendants of a match', () => {
    expect(globCovers(g('wh/shop/public'), ['wh', 'shop', 'public', 'orders', 'id'])).toBe(true);
    expect(globCovers(g('wh/shop/public'), ['wh', 'shop'])).toBe(false);
    expect(globCovers(g('wh/shop/public'), ['wh', 'shop', 'private', 'x'])).toBe(false);
  });

  it('knows when every future child of a schema is covered', () => {
    expect(globCoversAnyChildOf(g('wh/shop/public/*'), ['wh', 'shop', 'public'])).toBe(true);
    expect(globCoversAnyChildOf(g('wh/shop/public'), ['wh', 'shop', 'public'])).toBe(true);
    expect(globCoversAnyChildOf(g('wh/shop/public/orders'), ['wh', 'shop', 'public'])).toBe(false);
    expect(globCoversAnyChildOf(g('wh/shop/public/o*'), ['wh', 'shop', 'public'])).toBe(false);
  });
});
