import { describe, expect, it } from 'vitest';
import { roleGrantee, type Grant } from '../../src/domain/access.js';
import { DEFAULT_OPTIONS } from '../../src/domain/connection.js';
import type { Operation } from '../../src/domain/plan.js';
import type { Policy } from '../../src/domain/policy.js';
import { computeDesiredState } from '../../src/policy/desired-state.js';
import type { CatalogEntry, PolicyInput } from '../../src/policy/input.js';
import { readersOf, withoutStewardObjects, withSecureViews } from '../../src/policy/secure-access.js';
import { computeSecureViews } from '../../src/policy/secure-views.js';
import { mergeOperations } from '../../src/reconcile/data-policy-plan.js';
import { postgresCapabilities } from '../../src/platforms/postgres/capabilities.js';
import { mariadbPlatform } from '../../src/platforms/mysql/index.js';

const entry = (segments: string[], kind: CatalogEntry['kind'], columns: [string, string, string[]?][] = [], extra: Partial<CatalogEntry> = {}): CatalogEntry => ({
  segments,
  kind,
  owner: 'etl',
  tags: [],
  columns: columns.map(([name, type, tags]) => ({ name, type, tags: tags ?? [] })),
  ...extra,
});

const catalog: CatalogEntry[] = [
  entry(['shop'], 'database'),
  entry(['shop', 'public'], 'schema'),
  entry(['shop', 'public', 'customers'], 'table', [['id', 'integer'], ['email', 'text', ['pii']]]),
  entry(['shop', 'public', 'orders'], 'table', [['id', 'integer']]),
  entry(['shop', 'public', 'events'], 'partitioned_table', [['id', 'integer'], ['email', 'text', ['pii']]]),
  entry(['shop', 'public', 'events_2024'], 'partition', [['id', 'integer'], ['email', 'text', ['pii']]], { partitionOf: ['shop', 'public', 'events'] }),
  // Steward's own, from an earlier apply: never governed as base tables.
  entry(['shop', 'public_secure'], 'schema'),
  entry(['shop', 'public_secure', 'customers'], 'view', [['id', 'integer'], ['email', 'text', ['pii']]]),
  entry(['shop', 'steward_wh'], 'schema'),
  entry(['shop', 'steward_wh', 'profile'], 'table', [['principal', 'text']]),
];

const policies: Policy[] = [
  { name: 'read', type: 'subscription', access: 'read', to: { groups: ['analysts'] }, on: { paths: ['wh/shop/*/*'] } },
  { name: 'write', type: 'subscription', access: 'write', to: { groups: ['writers'] }, on: { paths: ['wh/shop/public/customers'] } },
  { name: 'hide-pii', type: 'mask', on: { columnTags: ['pii'] }, mask: 'hash' },
];

const input: PolicyInput = {
  connection: 'wh',
  options: { ...DEFAULT_OPTIONS, rolePrefix: 'steward_wh__', protect: ['wh/shop/**'] },
  capabilities: postgresCapabilities,
  catalog,
  users: [
    { name: 'alice', email: null, groups: ['analysts'], attributes: {}, principals: {} },
    { name: 'bob', email: null, groups: ['writers'], attributes: {}, principals: {} },
  ],
  policies,
  now: new Date('2026-01-01T00:00:00Z'),
  systemAccount: 'steward',
};

const on = (grants: readonly Grant[], segments: string[]): string[] =>
  grants.filter((g) => g.securable.segments.join('.') === segments.join('.')).map((g) => `${g.grantee.kind === 'role' ? g.grantee.name : '?'}:${g.privileges.join(',')}`).sort();

describe('desired access through secure views', () => {
  const views = computeSecureViews(input);
  const base = computeDesiredState(withoutStewardObjects(input));
  const d = withSecureViews(base, views, input, { ownerReads: () => [], keepOwner: false });

  it('leaves Steward\'s own schemas out of the access engine', () => {
    expect(withoutStewardObjects(input).catalog.map((e) => e.segments.join('.'))).not.toContain('shop.public_secure.customers');
    expect(on(base.state.grants, ['shop', 'public_secure', 'customers'])).toEqual([]);
  });

  it('moves SELECT from the base table to the view; writers keep their writes on the table', () => {
    expect(on(d.state.grants, ['shop', 'public', 'customers'])).toEqual([
      'steward_wh__views:SELECT',
      'steward_wh__write_w:INSERT,UPDATE,DELETE,TRUNCATE',
    ]);
    expect(on(d.state.grants, ['shop', 'public_secure', 'customers'])).toEqual(['steward_wh__read_r:SELECT', 'steward_wh__write_w:SELECT']);
    expect(on(d.state.grants, ['shop', 'public_secure'])).toEqual(['steward_wh__read_r:USAGE', 'steward_wh__views:USAGE', 'steward_wh__write_w:USAGE']);
    expect(readersOf(d.state, ['shop', 'public_secure', 'customers'])).toEqual(['steward_wh__read_r', 'steward_wh__write_w']);
    // A table without a data policy is untouched.
    expect(on(d.state.grants, ['shop', 'public', 'orders'])).toEqual(on(base.state.grants, ['shop', 'public', 'orders']));
  });

  it('closes the partitions of a table with a view', () => {
    expect(views.views.map((v) => v.base.join('.'))).toEqual(['shop.public.customers', 'shop.public.events']);
    expect(on(d.state.grants, ['shop', 'public', 'events_2024'])).toEqual([]);
    expect(on(d.state.grants, ['shop', 'public_secure', 'events'])).toEqual(['steward_wh__read_r:SELECT']);
  });

  it('adds the owner role, and the views and their schema to the scope', () => {
    expect(d.state.roles.map((r) => r.grantee)).toContainEqual(roleGrantee('steward_wh__views'));
    expect(d.scope.protectedTables).toContainEqual({ kind: 'table', segments: ['shop', 'public_secure', 'customers'] });
    expect(d.scope.containers).toContainEqual({ kind: 'schema', segments: ['shop', 'public_secure'] });
  });

  it('gives no SELECT by default privilege on future tables a data policy may reach', () => {
    const glob: Policy = { name: 'mask-all', type: 'mask', on: { paths: ['wh/shop/public/*'] }, mask: 'null' };
    const writeAll: Policy = { name: 'write-all', type: 'subscription', access: 'write', to: { groups: ['writers'] }, on: { paths: ['wh/shop/public/*'] } };
    const i2 = { ...input, policies: [...policies, glob, writeAll] };
    const d2 = withSecureViews(computeDesiredState(withoutStewardObjects(i2)), computeSecureViews(i2), i2, { ownerReads: () => [], keepOwner: false });
    const before = base.state.defaultGrants.filter((g) => g.schema === 'public' && g.objects === 'tables').map((g) => g.privileges.join(','));
    const after = d2.state.defaultGrants.filter((g) => g.schema === 'public' && g.objects === 'tables').map((g) => g.privileges.join(','));
    expect(before).toContain('SELECT');
    expect(after).not.toContain('SELECT');
    expect(after).toContain('INSERT,UPDATE,DELETE,TRUNCATE');
  });
});

describe('a database granted whole (MySQL ON db.*) with a base table in it', () => {
  it('is granted table by table, the base table through its view', () => {
    const my: PolicyInput = {
      ...input,
      capabilities: mariadbPlatform.capabilities,
      options: { ...input.options, protect: ['wh/shop'] },
      catalog: [
        entry(['shop'], 'database'),
        entry(['shop', 'customers'], 'table', [['id', 'int(11)'], ['email', 'varchar(80)', ['pii']]]),
        entry(['shop', 'orders'], 'table', [['id', 'int(11)']]),
      ],
      policies: [{ name: 'read', type: 'subscription', access: 'read', to: { groups: ['analysts'] }, on: { paths: ['wh/shop'] } }, policies[2]!],
    };
    const base = computeDesiredState(withoutStewardObjects(my));
    expect(on(base.state.grants, ['shop'])).toEqual(['steward_wh__read_r:SELECT']);
    const d = withSecureViews(base, computeSecureViews(my), my, { ownerReads: () => [], keepOwner: false });
    expect(on(d.state.grants, ['shop'])).toEqual([]);
    expect(on(d.state.grants, ['shop', 'orders'])).toEqual(['steward_wh__read_r:SELECT']);
    expect(on(d.state.grants, ['shop', 'customers'])).toEqual(['steward_wh__views:SELECT']);
    expect(on(d.state.grants, ['shop_secure', 'customers'])).toEqual(['steward_wh__read_r:SELECT']);
  });
});

describe('one plan of access and secure-view operations', () => {
  const sv = (kind: 'dropView' | 'buildView'): Operation =>
    ({ kind: 'secureView', change: kind === 'dropView' ? { kind, view: ['v'], system: ['s'] } : { kind: 'insertProfileRows', system: ['s'], rows: [] } });
  const op = (kind: Operation['kind']): Operation => ({ kind }) as Operation;

  it('drops views after revocations and before role drops; builds after role creation, before grants', () => {
    const merged = mergeOperations(
      [op('revokeMembership'), op('revoke'), op('dropRole'), op('createRole'), op('grant'), op('grantMembership')],
      [sv('buildView'), sv('dropView')],
    );
    expect(merged.map((o) => (o.kind === 'secureView' ? o.change.kind : o.kind))).toEqual([
      'revokeMembership',
      'revoke',
      'dropView',
      'dropRole',
      'createRole',
      'insertProfileRows',
      'grant',
      'grantMembership',
    ]);
  });

  it('appends to a plan without access changes', () => {
    expect(mergeOperations([], [sv('buildView')]).length).toBe(1);
  });
});
