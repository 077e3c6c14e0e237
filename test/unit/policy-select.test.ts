import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Selector } from '../../src/domain/policy.js';
import { buildCatalogIndex } from '../../src/policy/catalog-index.js';
import type { CatalogEntry } from '../../src/policy/input.js';
import { compileGlobs, compileSelector, isProtected, selectorMatches, selectRelations, selectsFutureChildrenOf } from '../../src/policy/select.js';

const PG = ['database', 'schema', 'table'] as const;
const entry = (segments: string[], kind: CatalogEntry['kind'], tags: string[] = [], columns: CatalogEntry['columns'] = []): CatalogEntry => ({
  segments,
  kind,
  owner: 'etl',
  tags,
  columns,
});

const catalog: CatalogEntry[] = [
  entry(['shop'], 'database'),
  entry(['shop', 'public'], 'schema'),
  entry(['shop', 'sales'], 'schema', ['finance']),
  entry(['shop', 'public', 'orders'], 'table', ['sales']),
  entry(['shop', 'public', 'customers'], 'table', [], [{ name: 'email', tags: ['pii'] }, { name: 'id', tags: [] }]),
  entry(['shop', 'public', 'v_orders'], 'view'),
  entry(['shop', 'sales', 'q1'], 'table'),
  entry(['shop', 'sales', 'we/ird*'], 'table'),
  entry(['hr', 'public', 'people'], 'table'),
];

const index = buildCatalogIndex('wh', catalog, PG, compileGlobs(['wh/shop/**']));
const names = (sel: Selector): string[] => selectRelations(compileSelector(sel), index).map((i) => index.relations[i]!.entry.segments.join('.'));

describe('selectors', () => {
  it('all picks every relation', () => {
    expect(names({ all: true })).toHaveLength(6);
  });

  it('tags match the relation, its ancestors and its columns', () => {
    expect(names({ tags: ['sales'] })).toEqual(['shop.public.orders']);
    expect(names({ tags: ['finance'] })).toEqual(['shop.sales.q1', 'shop.sales.we/ird*']);
    expect(names({ tags: ['pii'] })).toEqual(['shop.public.customers']);
    expect(names({ columnTags: ['pii'] })).toEqual(['shop.public.customers']);
    expect(names({ columnTags: ['sales'] })).toEqual([]);
  });

  it('paths are full globs with the connection, covering descendants', () => {
    expect(names({ paths: ['wh/shop/public'] })).toEqual(['shop.public.customers', 'shop.public.orders', 'shop.public.v_orders']);
    expect(names({ paths: ['wh/shop/public/*'] })).toHaveLength(3);
    expect(names({ paths: ['wh/shop/public/o*'] })).toEqual(['shop.public.orders']);
    expect(names({ paths: ['wh/*/public/*'] })).toEqual(['hr.public.people', 'shop.public.customers', 'shop.public.orders', 'shop.public.v_orders']);
    expect(names({ paths: ['wh/shop/sales/we\\/ird\\*'] })).toEqual(['shop.sales.we/ird*']);
    expect(names({ paths: ['other/shop/public/*'] })).toEqual([]);
    expect(names({ paths: ['wh/shop/public/orders/id'] })).toEqual([]);
  });

  it('ORs all, tags and paths and returns each relation once', () => {
    expect(names({ tags: ['sales', 'pii'], paths: ['wh/shop/public/orders', 'wh/hr/**'] })).toEqual([
      'hr.public.people',
      'shop.public.customers',
      'shop.public.orders',
    ]);
  });

  it('protection covers matches and descendants', () => {
    const protect = compileGlobs(['wh/shop/public/*', 'wh/hr']);
    expect(isProtected({ segments: ['shop', 'public', 'orders'] }, 'wh', protect)).toBe(true);
    expect(isProtected({ segments: ['shop', 'sales', 'q1'] }, 'wh', protect)).toBe(false);
    expect(isProtected({ segments: ['hr', 'public', 'people'] }, 'wh', protect)).toBe(true);
    expect(isProtected({ segments: ['shop', 'public', 'orders'] }, 'other', protect)).toBe(false);
    expect(index.relations.filter((r) => r.protected).map((r) => r.entry.segments[0])).not.toContain('hr');
  });

  it('future children: all and child-covering globs; inherited tags only for guardrails', () => {
    const sales = index.containers.find((c) => c.securable.segments.join('.') === 'shop.sales')!;
    expect(sales.protectsFuture).toBe(true);
    expect(selectsFutureChildrenOf(compileSelector({ all: true }), sales, false)).toBe(true);
    expect(selectsFutureChildrenOf(compileSelector({ paths: ['wh/shop/*/*'] }), sales, false)).toBe(true);
    expect(selectsFutureChildrenOf(compileSelector({ paths: ['wh/shop/sales/q1'] }), sales, false)).toBe(false);
    expect(selectsFutureChildrenOf(compileSelector({ tags: ['finance'] }), sales, false)).toBe(false);
    expect(selectsFutureChildrenOf(compileSelector({ tags: ['finance'] }), sales, true)).toBe(true);
  });

  it('bulk selection agrees with the per-relation rule on random catalogs', () => {
    const seg = fc.constantFrom('a', 'b', 'ab', 'c*d');
    const tag = fc.constantFrom('t1', 't2', 't3');
    const rel = fc.record({
      segments: fc.tuple(seg, seg, seg),
      kind: fc.constantFrom<CatalogEntry['kind']>('table', 'view'),
      owner: fc.constant('o'),
      tags: fc.array(tag, { maxLength: 1 }),
      columns: fc.array(fc.record({ name: fc.constant('c'), tags: fc.array(tag, { maxLength: 1 }) }), { maxLength: 1 }),
    });
    const container = fc.record({
      segments: fc.oneof(fc.tuple(seg), fc.tuple(seg, seg)),
      tags: fc.array(tag, { maxLength: 1 }),
    });
    const globPart = fc.constantFrom('a', 'b', '*', 'a*', '**', 'c\\*d');
    const glob = fc.array(globPart, { minLength: 1, maxLength: 4 }).map((parts) => ['wh', ...parts].join('/'));
    const selector = fc.record(
      { all: fc.boolean(), tags: fc.array(tag, { maxLength: 2 }), columnTags: fc.array(tag, { maxLength: 1 }), paths: fc.array(glob, { maxLength: 2 }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(rel, { maxLength: 12 }), fc.array(container, { maxLength: 4 }), selector, fc.array(glob, { maxLength: 2 }), (rels, conts, sel, protect) => {
        const cat: CatalogEntry[] = [
          ...conts.map((c) => ({ segments: c.segments, kind: c.segments.length === 1 ? ('database' as const) : ('schema' as const), owner: null, tags: c.tags, columns: [] })),
          ...rels,
        ];
        const globs = compileGlobs(protect);
        const idx = buildCatalogIndex('wh', cat, PG, globs);
        const compiled = compileSelector(sel);
        const bulk = selectRelations(compiled, idx);
        const each = idx.relations.filter((r) => selectorMatches(compiled, r)).map((r) => r.index);
        expect(bulk).toEqual(each);
        for (const r of idx.relations) expect(r.protected).toBe(isProtected(r.entry, 'wh', globs));
      }),
      { numRuns: 500 },
    );
  });
});
