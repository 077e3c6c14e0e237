import { describe, expect, it } from 'vitest';
import type { ActualSystem, SecureViewSpec, SecureViewState } from '../../src/domain/secure-view.js';
import { planSecureViews } from '../../src/reconcile/secure-view-diff.js';

const spec = (name: string): SecureViewSpec => ({
  base: ['db', 'public', name],
  view: ['db', 'public_secure', name],
  system: ['db', 'sys'],
  columns: [{ name: 'id', type: 'integer', family: 'integer', mask: null }],
  filter: { kind: 'hasProfile' },
  masks: [],
  filters: [],
});

const desired: SecureViewState = {
  owner: 'o',
  views: [spec('a'), spec('b'), spec('c')],
  systems: [
    {
      segments: ['db', 'sys'],
      profile: [
        { principal: 'alice', kind: 'user', name: '', value: '' },
        { principal: 'alice', kind: 'attribute', name: 'region', value: 'eu' },
      ],
      salts: [{ name: 'p', value: 'new' }],
    },
  ],
  containers: [['db', 'public_secure']],
};

const digest = (s: SecureViewSpec): string => `d-${s.view[2]}`;
const opts = { digestOf: digest, readersOf: () => ['r'] };

const system = (over: Partial<ActualSystem> = {}): ActualSystem => ({
  segments: ['db', 'sys'],
  ready: true,
  profile: desired.systems[0]!.profile,
  salts: desired.systems[0]!.salts,
  views: [
    { view: ['db', 'public_secure', 'a'], desired: 'd-a', recorded: 'r1', rendered: 'r1' },
    { view: ['db', 'public_secure', 'b'], desired: 'd-b', recorded: 'r2', rendered: 'r2' },
    { view: ['db', 'public_secure', 'c'], desired: 'd-c', recorded: 'r3', rendered: 'r3' },
  ],
  ...over,
});

const summary = (ops: ReturnType<typeof planSecureViews>): string[] =>
  ops.map((o) => (o.kind === 'buildView' ? `build ${o.spec.view[2]} ${o.reason}` : o.kind === 'dropView' ? `drop ${o.view[2]}` : o.kind));

describe('secure-view diff', () => {
  it('plans nothing when everything matches', () => {
    expect(planSecureViews(desired, { systems: [system()], containers: [['db', 'public_secure']] }, opts)).toEqual([]);
  });

  it('builds everything, in order, on an empty database', () => {
    expect(summary(planSecureViews(desired, { systems: [], containers: [] }, opts))).toEqual([
      'setupSystem',
      'createViewContainer',
      'putSalts',
      'insertProfileRows',
      'build a new',
      'build b new',
      'build c new',
    ]);
  });

  it('tells a changed definition from a hand edit and from a cut-short record', () => {
    const views = [
      { view: ['db', 'public_secure', 'a'], desired: 'old', recorded: 'r1', rendered: 'r1' },
      { view: ['db', 'public_secure', 'b'], desired: 'd-b', recorded: 'r2', rendered: 'edited' },
      { view: ['db', 'public_secure', 'c'], desired: 'd-c', recorded: null, rendered: 'r3' },
      { view: ['db', 'public_secure', 'gone'], desired: 'x', recorded: 'y', rendered: 'y' },
    ];
    expect(summary(planSecureViews(desired, { systems: [system({ views })], containers: [['db', 'public_secure']] }, opts))).toEqual([
      'build a changed',
      'build b drift',
      'build c drift',
      'drop gone',
    ]);
  });

  it('removes profile rows before adding them, and changed salts before views', () => {
    const ops = planSecureViews(
      desired,
      {
        systems: [system({ profile: [{ principal: 'alice', kind: 'user', name: '', value: '' }, { principal: 'bob', kind: 'user', name: '', value: '' }], salts: [{ name: 'p', value: 'old' }, { name: 'q', value: 'x' }] })],
        containers: [['db', 'public_secure']],
      },
      opts,
    );
    expect(ops).toEqual([
      { kind: 'putSalts', system: ['db', 'sys'], rows: [{ name: 'p', value: 'new' }] },
      { kind: 'deleteProfileRows', system: ['db', 'sys'], rows: [{ principal: 'bob', kind: 'user', name: '', value: '' }] },
      { kind: 'insertProfileRows', system: ['db', 'sys'], rows: [{ principal: 'alice', kind: 'attribute', name: 'region', value: 'eu' }] },
      { kind: 'deleteSalts', system: ['db', 'sys'], names: ['q'] },
    ]);
  });

  it('empties a system no view uses any more', () => {
    const none: SecureViewState = { owner: 'o', views: [], systems: [], containers: [] };
    expect(summary(planSecureViews(none, { systems: [system()], containers: [] }, opts))).toEqual(['deleteProfileRows', 'drop a', 'drop b', 'drop c', 'deleteSalts']);
  });

  it('sets a half-made system up again', () => {
    expect(summary(planSecureViews(desired, { systems: [system({ ready: false, profile: [], salts: [], views: [] })], containers: [['db', 'public_secure']] }, opts))[0]).toBe('setupSystem');
  });
});
