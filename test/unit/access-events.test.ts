import { describe, expect, it } from 'vitest';
import { roleGrantee as R } from '../../src/domain/access.js';
import type { AccessState } from '../../src/domain/access.js';
import { accessEvents, type RoleKind } from '../../src/jobs/access-events.js';
import { roleClassifier } from '../../src/jobs/role-classifier.js';
import { policyRoleName } from '../../src/policy/role-names.js';

const prefix = 'steward_c__';
const readers = policyRoleName({ prefix, policy: 'readers', access: 'read', maxLength: 63 });
const orders = { kind: 'table' as const, segments: ['shop', 'public', 'orders'] };
const items = { kind: 'table' as const, segments: ['shop', 'public', 'items'] };
const desired: AccessState = {
  roles: [{ grantee: R(readers), purpose: 'policy' }],
  memberships: [{ role: readers, member: R('alice') }, { role: readers, member: R('bob') }],
  grants: [
    { securable: orders, grantee: R(readers), privileges: ['SELECT'] },
    { securable: items, grantee: R(readers), privileges: ['SELECT'] },
    { securable: { kind: 'schema', segments: ['shop', 'public'] }, grantee: R(readers), privileges: ['USAGE'] },
  ],
  defaultGrants: [],
  defaultRoles: [],
};
const model = { users: [], groups: [], tags: [], policies: [{ name: 'readers', type: 'subscription', access: 'read', to: {}, on: {} }] } as never;
const classify = roleClassifier({ prefix, maxLength: 63, model });
const userOf = (p: string): string | null => (p === 'alice' ? 'Alice' : null);

describe('access events from an applied plan', () => {
  it('a membership grant: one access.granted per login, with the role’s tables and policy', () => {
    const events = accessEvents({ connection: 'c', operations: [{ kind: 'grantMembership', roles: [readers], members: [R('alice')] }], desired, classify, userOf });
    expect(events).toEqual([{
      type: 'access.granted', connection: 'c',
      data: { connection: 'c', user: 'Alice', principal: 'alice', access: 'read', privileges: ['SELECT'], policy: 'readers', role: readers, objects: ['c/shop/public/items', 'c/shop/public/orders'], objectCount: 2, drift: false },
    }]);
  });

  it('a table grant to a policy role: every member gains it; container grants are not access events', () => {
    const events = accessEvents({
      connection: 'c', desired, classify, userOf,
      operations: [
        { kind: 'grant', privileges: ['USAGE'], securables: [{ kind: 'schema', segments: ['shop', 'public'] }], grantees: [R(readers)] },
        { kind: 'grant', privileges: ['SELECT'], securables: [items], grantees: [R(readers)] },
      ],
    });
    expect(events.map((e) => [e.type, e.data.principal, e.data.objects])).toEqual([
      ['access.granted', 'alice', ['c/shop/public/items']],
      ['access.granted', 'bob', ['c/shop/public/items']],
    ]);
  });

  it('a reverted hand-made grant is access.revoked for that login, drift, no policy', () => {
    const events = accessEvents({ connection: 'c', desired, classify, userOf, operations: [{ kind: 'revoke', privileges: ['SELECT'], securables: [orders], grantees: [R('mallory')], drift: true }] });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'access.revoked', data: { principal: 'mallory', user: null, policy: null, role: null, drift: true, access: 'read' } });
  });

  it('MariaDB-style personal roles lead to their login', () => {
    const personal = `${prefix}u_carol`;
    const withPersonal: AccessState = { ...desired, roles: [...desired.roles, { grantee: R(personal), purpose: 'personal' }], memberships: [...desired.memberships, { role: personal, member: R('carol') }] };
    const events = accessEvents({ connection: 'c', desired: withPersonal, classify, userOf, operations: [{ kind: 'grantMembership', roles: [readers], members: [R(personal)] }] });
    expect(events.map((e) => e.data.principal)).toEqual(['carol']);
  });

  it('classifies roles: policy (with guardrail partitions), personal, login', () => {
    const guarded = policyRoleName({ prefix, policy: 'readers', access: 'read', guardrails: ['eu'], maxLength: 63 });
    const k = (r: string): RoleKind => classify(r);
    expect(k(readers)).toEqual({ kind: 'policy', policy: 'readers', access: 'read' });
    expect(k(guarded)).toEqual({ kind: 'policy', policy: 'readers', access: 'read' });
    expect(k(`${prefix}gone_w`)).toEqual({ kind: 'policy', policy: null, access: 'write' });
    expect(k(`${prefix}u_carol`)).toEqual({ kind: 'personal' });
    expect(k('alice')).toEqual({ kind: 'login' });
  });
});
