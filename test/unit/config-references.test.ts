import { describe, expect, it } from 'vitest';
import { catalogPaths } from '../../src/config/catalog-paths.js';
import { closest } from '../../src/config/issues.js';
import { guardrailsSelectingNothing } from '../../src/config/validate-config.js';
import type { GovernanceModel } from '../../src/config/to-model.js';
import { encodePath } from '../../src/domain/paths.js';

const objects = [
  { path: 'shop' },
  { path: 'shop/public' },
  { path: 'shop/public/orders', columns: [{ name: 'email' }, { name: 'gone', removedAt: '2026-01-01' }] },
  { path: encodePath(['shop', 'we/ird', 'st*r']), columns: [{ name: 'a\\b' }] },
];

describe('the synced catalog as paths', () => {
  const cat = catalogPaths('wh', objects);

  it('answers whether a glob names anything, honouring escapes, * and **', () => {
    expect(cat.globMatchesAny('wh/shop/public/*')).toBe(true);
    expect(cat.globMatchesAny('wh/shop/public/ord*')).toBe(true);
    expect(cat.globMatchesAny('wh/shop/public/ordres')).toBe(false);
    expect(cat.globMatchesAny('wh/shop/we\\/ird/st\\*r')).toBe(true);
    expect(cat.globMatchesAny('wh/shop/we\\/ird/st\\*x')).toBe(false);
    expect(cat.globMatchesAny('wh/**/email')).toBe(true);
    expect(cat.globMatchesAny('wh/**/gone')).toBe(false);
    expect(cat.globMatchesAny('other/shop')).toBe(false);
    expect(cat.globMatchesAny('*/shop')).toBe(true);
  });

  it('knows objects and live columns by their raw names', () => {
    expect(cat.has(['shop', 'public', 'orders', 'email'])).toBe(true);
    expect(cat.has(['shop', 'public', 'orders', 'gone'])).toBe(false);
    expect(cat.has(['shop', 'we/ird', 'st*r', 'a\\b'])).toBe(true);
  });
});

describe('guardrails that select nothing on a connection', () => {
  const model = (on: object, tags: GovernanceModel['tags'] = []): GovernanceModel => ({
    users: [],
    groups: [],
    tags,
    policies: [{ name: 'g', type: 'guardrail', to: { groups: ['hr'] }, on }],
  });
  const cat = catalogPaths('wh', objects);

  it('are found by path and by tagged object, only on the connection they name', () => {
    expect(guardrailsSelectingNothing(model({ paths: ['wh/shop/public/ordres'] }), 'wh', cat)).toEqual(['g']);
    expect(guardrailsSelectingNothing(model({ paths: ['wh/shop/public/orders'] }), 'wh', cat)).toEqual([]);
    expect(guardrailsSelectingNothing(model({ paths: ['other/shop/x'] }), 'wh', cat)).toEqual([]);
    expect(guardrailsSelectingNothing(model({ tags: ['pii'] }, [{ connection: 'wh', path: 'shop/public/orders/emial', tag: 'pii' }]), 'wh', cat)).toEqual(['g']);
    expect(guardrailsSelectingNothing(model({ tags: ['pii'] }, [{ connection: 'wh', path: 'shop/public/orders/email', tag: 'pii' }]), 'wh', cat)).toEqual([]);
  });
});

describe('did you mean', () => {
  it('suggests a close name, ignoring case, within one edit per three characters', () => {
    expect(closest('anlysts', ['analysts', 'hr'])).toBe('analysts');
    expect(closest('PII', ['pii', 'sales'])).toBe('pii');
    expect(closest('zoe', ['bob', 'carol'])).toBeNull();
  });
});
