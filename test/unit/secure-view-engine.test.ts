import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../src/domain/connection.js';
import type { User } from '../../src/domain/identity.js';
import type { Policy } from '../../src/domain/policy.js';
import type { CatalogEntry, PolicyInput } from '../../src/policy/input.js';
import { computeSecureViews } from '../../src/policy/secure-views.js';
import { mariadbPlatform } from '../../src/platforms/mysql/index.js';
import { postgresCapabilities } from '../../src/platforms/postgres/capabilities.js';

const db = (name: string): CatalogEntry => ({ segments: [name], kind: 'database', owner: 'etl', tags: [], columns: [] });
const schema = (d: string, s: string, tags: string[] = []): CatalogEntry => ({ segments: [d, s], kind: 'schema', owner: 'etl', tags, columns: [] });
const table = (segments: string[], columns: [string, string, string[]?][], tags: string[] = [], kind: CatalogEntry['kind'] = 'table'): CatalogEntry => ({
  segments,
  kind,
  owner: 'etl',
  tags,
  columns: columns.map(([name, type, t]) => ({ name, type, tags: t ?? [] })),
});

const CUSTOMERS = table(['shop', 'public', 'customers'], [
  ['id', 'integer'],
  ['email', 'text', ['pii']],
  ['region', 'text'],
  ['amount', 'numeric(10,2)'],
  ['born', 'date'],
]);
const ORDERS = table(['shop', 'public', 'orders'], [
  ['id', 'integer'],
  ['region', 'text'],
  ['email', 'character varying(80)', ['pii']],
], ['sales']);

const user = (name: string, groups: string[], attributes: Record<string, string[]> = {}): User => ({ name, email: null, groups, attributes, principals: {} });
const USERS = [user('alice', ['analysts'], { region: ['eu'] }), user('hana', ['hr'])];

function input(policies: Policy[], extra: Partial<PolicyInput> = {}): PolicyInput {
  return {
    connection: 'wh',
    options: { ...DEFAULT_OPTIONS, rolePrefix: 'steward_wh__', protect: ['wh/shop/public/*'] },
    capabilities: postgresCapabilities,
    catalog: [db('shop'), schema('shop', 'public'), CUSTOMERS, ORDERS],
    users: USERS,
    policies,
    now: new Date('2026-01-01T00:00:00Z'),
    systemAccount: 'steward',
    ...extra,
  };
}

const hash: Policy = { name: 'hide-pii', type: 'mask', on: { columnTags: ['pii'] }, mask: 'hash', except: { groups: ['hr'] } };
const region: Policy = { name: 'own-region', type: 'rowFilter', on: { tags: ['sales'] }, where: { column: 'region', in: 'user.attributes.region' } };

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

describe('secure-view engine', () => {
  it('builds one view per protected table with a data policy, next to it in <schema>_secure', () => {
    const s = computeSecureViews(input([hash, region]));
    expect(s.owner).toBe('steward_wh__views');
    expect(s.views.map((v) => [v.base, v.view, v.system])).toEqual([
      [['shop', 'public', 'customers'], ['shop', 'public_secure', 'customers'], ['shop', 'steward_wh']],
      [['shop', 'public', 'orders'], ['shop', 'public_secure', 'orders'], ['shop', 'steward_wh']],
    ]);
    expect(s.containers).toEqual([['shop', 'public_secure']]);
    const orders = s.views[1]!;
    expect(orders.columns.map((c) => [c.name, c.mask?.policy ?? null])).toEqual([['id', null], ['region', null], ['email', 'hide-pii']]);
    expect(orders.filter).toEqual({
      kind: 'and',
      items: [{ kind: 'hasProfile' }, { kind: 'inUser', column: 'region', family: 'text', source: { kind: 'attribute', name: 'region' }, negate: false }],
    });
    expect(orders.columns[2]!.mask).toEqual({ expr: { kind: 'hash', saltName: null }, rawWhen: { kind: 'exempt', policy: 'hide-pii' }, policy: 'hide-pii', via: 'column tag pii' });
  });

  it('precomputes the profile: who, groups, attributes, and exemptions of the policies in use', () => {
    const s = computeSecureViews(input([hash, region], { users: [...USERS, { ...user('bob', ['hr', 'analysts'], { region: ['us', 'apac'] }), principals: { wh: 'bob_login' } }] }));
    expect(s.systems).toEqual([
      {
        segments: ['shop', 'steward_wh'],
        salts: [],
        profile: [
          { principal: 'alice', kind: 'attribute', name: 'region', value: 'eu' },
          { principal: 'alice', kind: 'group', name: '', value: 'analysts' },
          { principal: 'alice', kind: 'user', name: '', value: '' },
          { principal: 'bob_login', kind: 'attribute', name: 'region', value: 'apac' },
          { principal: 'bob_login', kind: 'attribute', name: 'region', value: 'us' },
          { principal: 'bob_login', kind: 'exempt', name: '', value: 'hide-pii' },
          { principal: 'bob_login', kind: 'group', name: '', value: 'analysts' },
          { principal: 'bob_login', kind: 'group', name: '', value: 'hr' },
          { principal: 'bob_login', kind: 'user', name: '', value: '' },
          { principal: 'hana', kind: 'exempt', name: '', value: 'hide-pii' },
          { principal: 'hana', kind: 'group', name: '', value: 'hr' },
          { principal: 'hana', kind: 'user', name: '', value: '' },
        ],
      },
    ]);
  });

  it('changes profile rows only, never a view, when a user\'s groups or attributes change', () => {
    const before = computeSecureViews(input([hash, region]));
    const after = computeSecureViews(input([hash, region], { users: [user('alice', ['hr'], { region: ['us'] }), USERS[1]!] }));
    expect(after.views).toEqual(before.views);
    expect(after.systems[0]!.profile).not.toEqual(before.systems[0]!.profile);
  });

  it('is deterministic whatever the order of catalog, policies and users', () => {
    const policies: Policy[] = [hash, region, { name: 'n', type: 'mask', on: { columns: ['wh/shop/public/customers/born'] }, mask: null }];
    const expected = computeSecureViews(input(policies));
    fc.assert(
      fc.property(fc.shuffledSubarray(policies, { minLength: 3, maxLength: 3 }), fc.shuffledSubarray(input([]).catalog as CatalogEntry[], { minLength: 4, maxLength: 4 }), fc.boolean(), (ps, catalog, flip) => {
        const users = flip ? [...USERS].reverse() : USERS;
        expect(computeSecureViews(input(ps, { catalog, users }))).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });

  describe('several masks on one column', () => {
    const on = {
      path: { columns: ['wh/shop/public/orders/email'] },
      columnTag: { columnTags: ['pii'] },
      tableTag: { tags: ['sales'] },
      glob: { paths: ['wh/shop/*'] },
    };
    const mask = (name: string, sel: Policy['on']): Policy => ({ name, type: 'mask', on: sel, mask: 'null' });
    const winner = (ps: Policy[]): [string | undefined, string | undefined] => {
      const c = computeSecureViews(input(ps)).views.find((v) => v.base[2] === 'orders')!.columns.find((x) => x.name === 'email')!;
      return [c.mask?.policy, c.mask?.via];
    };

    it('gives the column to the most specific target: column path > column tag > table tag > glob', () => {
      const all = [mask('a-glob', on.glob), mask('b-table', on.tableTag), mask('c-coltag', on.columnTag), mask('d-path', on.path)];
      expect(winner(all)).toEqual(['d-path', 'column path']);
      expect(winner(all.slice(0, 3))).toEqual(['c-coltag', 'column tag pii']);
      expect(winner(all.slice(0, 2))).toEqual(['b-table', 'table tag sales']);
      expect(winner(all.slice(0, 1))).toEqual(['a-glob', 'glob wh/shop/*']);
    });

    it('refuses two masks at the same level, naming both', () => {
      expect(errorOf(() => computeSecureViews(input([mask('one', on.columnTag), mask('two', on.columnTag)])))).toBe(
        'policies "one" and "two" both mask column wh/shop/public/customers/email at the same level (column tag)',
      );
    });

    it('lets a more specific mask settle a tie below it', () => {
      const one = mask('one', { columns: ['wh/shop/public/orders/*'] });
      const two = mask('two', { columns: ['wh/shop/*/orders/email'] });
      expect(errorOf(() => winner([one, two]))).toMatch(/"one" and "two" both mask column wh\/shop\/public\/orders\/email at the same level \(glob\)/);
      expect(winner([one, two, mask('three', on.path)])).toEqual(['three', 'column path']);
    });

    it('takes one policy reaching a column twice at its most specific', () => {
      expect(winner([mask('one', { ...on.glob, ...on.columnTag })])).toEqual(['one', 'column tag pii']);
    });
  });

  describe('refused at plan time, naming the policy and field', () => {
    it('a column path that names no column', () => {
      expect(errorOf(() => computeSecureViews(input([{ name: 'm', type: 'mask', on: { columns: ['wh/shop/public/customers/emial'] }, mask: 'hash' }])))).toBe(
        'policy "m": on.columns[0]: table wh/shop/public/customers has no column "emial"',
      );
      expect(errorOf(() => computeSecureViews(input([{ name: 'm', type: 'mask', on: { columns: ['wh/shop/public/custmers/email'] }, mask: 'hash' }])))).toMatch(
        /on\.columns\[0\]: no table wh\/shop\/public\/custmers in the catalog/,
      );
      expect(errorOf(() => computeSecureViews(input([{ name: 'm', type: 'mask', on: { columns: ['wh/shop/public/customers'] }, mask: 'hash' }])))).toMatch(
        /is not a column path \(5 segments/,
      );
    });

    it('a mask the column\'s type cannot take', () => {
      const at = (mask: Extract<Policy, { type: 'mask' }>['mask'], column: string): string =>
        errorOf(() => computeSecureViews(input([{ name: 'm', type: 'mask', on: { columns: [`wh/shop/public/customers/${column}`] }, mask }])));
      expect(at({ round: { step: 10 } }, 'email')).toBe('policy "m": mask.round.step: round with a step cannot apply to column "email" (text) (on wh/shop/public/customers)');
      expect(at({ round: { unit: 'hour' } }, 'born')).toMatch(/mask\.round\.unit: round to hour cannot apply to column "born" \(date\)/);
      expect(at({ regex: { pattern: 'x', replacement: '' } }, 'id')).toMatch(/mask\.regex: regex cannot apply to column "id" \(integer\)/);
      expect(at({ partial: { keepLast: 2 } }, 'amount')).toMatch(/mask\.partial: partial cannot apply/);
      expect(at({ constant: 'n/a' }, 'amount')).toMatch(/mask\.constant: "n\/a" does not fit column "amount" \(decimal\)/);
      expect(at({ constant: 1.5 }, 'id')).toMatch(/mask\.constant: 1\.5 does not fit column "id" \(integer\)/);
      expect(at({ constant: '1 May' }, 'born')).toMatch(/"1 May" does not fit column "born" \(date\)/);
      try {
        computeSecureViews(input([{ name: 'm', type: 'mask', on: { columns: ['wh/shop/public/customers/born'] }, mask: { constant: '1 May' } }]));
      } catch (err) {
        expect(err).toMatchObject({ code: 'invalid_input', hint: 'write YYYY-MM-DD', details: { policy: 'm', field: 'mask.constant' } });
      }
    });

    it('a row filter naming a column the table lacks, or comparing across types', () => {
      const f = (where: Extract<Policy, { type: 'rowFilter' }>['where']): string =>
        errorOf(() => computeSecureViews(input([{ name: 'f', type: 'rowFilter', on: { paths: ['wh/shop/public/*'] }, where }])));
      expect(f({ column: 'amount', op: '<', value: 10 })).toBe(
        'policy "f": where.column: table wh/shop/public/orders has no column "amount" (on wh/shop/public/orders)',
      );
      expect(f({ and: [{ column: 'id', op: '=', value: 'x' }] })).toMatch(/where\.and\[0\]\.value: "x" does not fit column "id" \(integer\)/);
    });
  });

  it('leaves unprotected tables and Steward\'s own schemas alone', () => {
    const catalog = [
      ...input([]).catalog,
      schema('shop', 'public_secure'),
      table(['shop', 'public_secure', 'customers'], [['email', 'text', ['pii']]], [], 'view'),
      schema('shop', 'steward_wh'),
      table(['shop', 'steward_wh', 'profile'], [['value', 'text', ['pii']]]),
      schema('shop', 'other'),
      table(['shop', 'other', 'people'], [['email', 'text', ['pii']]]),
    ];
    const s = computeSecureViews(input([hash], { catalog, options: { ...DEFAULT_OPTIONS, rolePrefix: 'steward_wh__', protect: ['wh/shop/**'] } }));
    expect(s.views.map((v) => v.base.join('.'))).toEqual(['shop.other.people', 'shop.public.customers', 'shop.public.orders']);
    const unprotected = computeSecureViews(input([hash], { catalog, options: { ...DEFAULT_OPTIONS, protect: ['wh/shop/public/orders'] } }));
    expect(unprotected.views.map((v) => v.base.join('.'))).toEqual(['shop.public.orders']);
  });

  it('refuses to put a view where a table stands', () => {
    const catalog = [...input([]).catalog, schema('shop', 'public_secure'), table(['shop', 'public_secure', 'orders'], [['id', 'integer']])];
    expect(errorOf(() => computeSecureViews(input([region], { catalog })))).toMatch(/the secure view of wh\/shop\/public\/orders would replace the table wh\/shop\/public_secure\/orders/);
  });

  it('follows the connection\'s views options, and salts hashes from the policy or the connection', () => {
    const options = { ...DEFAULT_OPTIONS, rolePrefix: 'steward_wh__', protect: ['wh/shop/public/*'], views: { schema: '{database}_{schema}_v', system: 'gov', hashSalt: 'conn-salt' } };
    const policies: Policy[] = [hash, { name: 'own-salt', type: 'mask', on: { columns: ['wh/shop/public/customers/region'] }, mask: { hash: { salt: 'mine' } } }];
    const s = computeSecureViews(input(policies, { options }));
    expect(s.views.map((v) => v.view.join('.'))).toEqual(['shop.shop_public_v.customers', 'shop.shop_public_v.orders']);
    expect(s.systems.map((x) => [x.segments, x.salts])).toEqual([
      [['shop', 'gov'], [{ name: 'hide-pii', value: 'conn-salt' }, { name: 'own-salt', value: 'mine' }]],
    ]);
    expect(s.views[0]!.columns.find((c) => c.name === 'region')!.mask!.expr).toEqual({ kind: 'hash', saltName: 'own-salt' });
  });

  it('places MySQL/MariaDB views in <database>_secure and the profile in one system database', () => {
    const catalog: CatalogEntry[] = [db('shop'), db('crm'), table(['shop', 'orders'], [['email', 'varchar(80)', ['pii']]]), table(['crm', 'people'], [['email', 'text', ['pii']]])];
    const s = computeSecureViews(input([hash], { catalog, capabilities: mariadbPlatform.capabilities, options: { ...DEFAULT_OPTIONS, rolePrefix: 'steward_wh__', protect: ['wh/*'] } }));
    expect(s.views.map((v) => [v.view, v.system])).toEqual([
      [['crm_secure', 'people'], ['steward_wh']],
      [['shop_secure', 'orders'], ['steward_wh']],
    ]);
    expect(s.systems.map((x) => x.segments)).toEqual([['steward_wh']]);
    expect(s.containers).toEqual([['crm_secure'], ['shop_secure']]);
  });

  it('shows a masked value raw where `when` is known false or the user is exempt', () => {
    const p: Policy = { name: 'w', type: 'mask', on: { columns: ['wh/shop/public/customers/email'] }, mask: { constant: 'x' }, except: { groups: ['hr'] }, when: { column: 'region', op: '=', value: 'eu' } };
    const c = computeSecureViews(input([p])).views[0]!.columns.find((x) => x.name === 'email')!;
    expect(c.mask!.rawWhen).toEqual({
      kind: 'or',
      items: [{ kind: 'exempt', policy: 'w' }, { kind: 'isFalse', item: { kind: 'compare', column: 'region', family: 'text', op: '=', value: 'eu' } }],
    });
  });

  it('reads masks stored in the flat shape of earlier versions', () => {
    const legacy = { name: 'old', type: 'mask', on: { columns: ['wh/shop/public/customers/email'] }, mask: 'constant', value: 'hidden' } as unknown as Policy;
    expect(computeSecureViews(input([legacy])).views[0]!.columns.find((x) => x.name === 'email')!.mask!.expr).toEqual({ kind: 'constant', value: 'hidden' });
  });
});
