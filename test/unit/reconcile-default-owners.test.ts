/**
 * Default privileges are set FOR ROLE <owner>: the planner never plans one for an owner the
 * system account cannot act as, and reports revoking an existing one as blocked.
 */
import { describe, expect, it } from 'vitest';
import { canonicalizeState } from '../../src/domain/canonical-state.js';
import { DEFAULT_OPTIONS } from '../../src/domain/connection.js';
import { EMPTY_STATE, roleGrantee as R, type AccessState, type DefaultGrant } from '../../src/domain/access.js';
import { computeDesiredState } from '../../src/policy/desired-state.js';
import type { CatalogEntry } from '../../src/policy/input.js';
import { postgresCapabilities as PG } from '../../src/platforms/postgres/capabilities.js';
import { planChanges } from '../../src/reconcile/diff.js';

const catalog: CatalogEntry[] = [
  { segments: ['db'], kind: 'database', owner: 'postgres', tags: [], columns: [] },
  { segments: ['db', 'shop'], kind: 'schema', owner: 'etl', tags: [], columns: [] },
  { segments: ['db', 'shop', 'orders'], kind: 'table', owner: 'etl', tags: [], columns: [] },
  { segments: ['db', 'shop', 'staff'], kind: 'table', owner: 'postgres', tags: [], columns: [] },
];
const desired = computeDesiredState({
  connection: 'wh',
  options: { ...DEFAULT_OPTIONS, rolePrefix: 'steward_', protect: ['wh/db/shop/*'] },
  capabilities: PG,
  catalog,
  users: [{ name: 'alice', email: null, groups: ['g'], attributes: {}, principals: {} }],
  policies: [{ name: 'read', type: 'subscription', access: 'read', to: { groups: ['g'] }, on: { paths: ['wh/db/shop/*'] } }],
  now: new Date('2025-01-01T00:00:00Z'),
  systemAccount: 'steward',
});

const blockedGrantors = [
  { grantor: 'etl', reason: 'not a member of "etl"' },
  { grantor: 'postgres', reason: '"postgres" is a superuser' },
];

describe('default privileges and the owners the account may act as', () => {
  it('the desired state names the owners it sets default privileges for, in its scope', () => {
    expect(desired.state.defaultGrants.map((d) => d.owner)).toEqual(['etl', 'postgres']);
    expect(desired.scope.defaultOwners).toEqual(['etl', 'postgres']);
  });

  it('plans default privileges only for owners within reach', () => {
    const all = planChanges(EMPTY_STATE, desired.state, { connection: 'wh', lastApplied: null });
    expect(all.operations.filter((o) => o.kind === 'grantDefault').map((o) => o.kind === 'grantDefault' && o.owner)).toEqual(['etl', 'postgres']);
    const some = planChanges({ ...EMPTY_STATE, blockedGrantors: [blockedGrantors[1]!] }, desired.state, { connection: 'wh', lastApplied: null });
    expect(some.operations.filter((o) => o.kind === 'grantDefault').map((o) => o.kind === 'grantDefault' && o.owner)).toEqual(['etl']);
    // Not planned is not blocked: tables "postgres" creates get their grants at the next sync.
    expect(some.blocked).toBeUndefined();
    // Everything else is planned as before.
    expect(some.operations.filter((o) => o.kind !== 'grantDefault')).toEqual(all.operations.filter((o) => o.kind !== 'grantDefault'));
  });

  it('reports revoking default privileges of an owner out of reach as blocked, with the reason, and runs the rest', () => {
    const stale = (owner: string): DefaultGrant => ({ database: 'db', schema: 'shop', owner, objects: 'tables', grantee: R('steward_gone_r'), privileges: ['SELECT'] });
    const actual: AccessState = { ...canonicalizeState({ ...EMPTY_STATE, defaultGrants: [stale('etl'), stale('postgres'), stale('steward')] }), blockedGrantors };
    const plan = planChanges(actual, EMPTY_STATE, { connection: 'wh', lastApplied: null });
    expect(plan.operations).toEqual([
      { kind: 'revokeDefault', database: 'db', schema: 'shop', owner: 'steward', objects: 'tables', privileges: ['SELECT'], grantees: [R('steward_gone_r')], drift: true },
    ]);
    expect(plan.blocked?.map((b) => [b.operation.kind === 'revokeDefault' && b.operation.owner, b.reason])).toEqual([
      ['etl', 'not a member of "etl"'],
      ['postgres', '"postgres" is a superuser'],
    ]);
  });
});
