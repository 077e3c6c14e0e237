import { describe, expect, it } from 'vitest';
import { roleGrantee as R } from '../../src/domain/access.js';
import type { AccessState } from '../../src/domain/access.js';
import { accessEvents, type RoleKind } from '../../src/jobs/access-events.js';
import { roleClassifier } from '../../src/jobs/role-classifier.js';
import { groupRoleName, personalRoleName, policyRoleName } from '../../src/policy/role-names.js';

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

  it('PostgreSQL group roles: a login joining a group gains its policies; users moved from the policy roles into it are no event', () => {
    const group = groupRoleName({ prefix, group: 'analysts', maxLength: 63 });
    const withGroup: AccessState = {
      ...desired,
      roles: [...desired.roles, { grantee: R(group), purpose: 'group' }],
      memberships: [{ role: readers, member: R(group) }, { role: group, member: R('alice') }, { role: group, member: R('bob') }, { role: group, member: R('carol') }],
    };
    const join = accessEvents({ connection: 'c', desired: withGroup, classify, userOf, operations: [{ kind: 'grantMembership', roles: [group], members: [R('carol')] }] });
    expect(join.map((e) => [e.type, e.data.principal, e.data.policy, e.data.objectCount])).toEqual([['access.granted', 'carol', 'readers', 2]]);
    // The move of an installation from before group roles: alice and bob keep their access.
    const move = accessEvents({
      connection: 'c', desired: withGroup, classify, userOf,
      operations: [
        { kind: 'createRole', role: R(group), purpose: 'group' },
        { kind: 'grantMembership', roles: [readers], members: [R(group)] },
        { kind: 'grantMembership', roles: [group], members: [R('alice'), R('bob'), R('carol')] },
        { kind: 'revokeMembership', roles: [readers], members: [R('alice'), R('bob')] },
      ],
    });
    expect(move.map((e) => [e.type, e.data.principal])).toEqual([['access.granted', 'carol']]);
  });

  it('classifies roles: policy (with guardrail partitions), personal, group, login', () => {
    const guarded = policyRoleName({ prefix, policy: 'readers', access: 'read', guardrails: ['eu'], maxLength: 63 });
    const k = (r: string): RoleKind => classify(r);
    expect(k(readers)).toEqual({ kind: 'policy', policy: 'readers', access: 'read' });
    expect(k(guarded)).toEqual({ kind: 'policy', policy: 'readers', access: 'read' });
    expect(k(`${prefix}gone_w`)).toEqual({ kind: 'policy', policy: null, access: 'write' });
    expect(k(`${prefix}u_carol`)).toEqual({ kind: 'personal' });
    // Names in the personal and group namespaces that end like a policy role's are still theirs;
    // a policy whose name puts it in those namespaces has a hashed body.
    expect(k(personalRoleName({ prefix, principal: 'bob_r', maxLength: 63 }))).toEqual({ kind: 'personal' });
    expect(k(groupRoleName({ prefix, group: 'sales_w', maxLength: 63 }))).toEqual({ kind: 'group' });
    expect(k(groupRoleName({ prefix, group: 'Sales Team', maxLength: 63 }))).toEqual({ kind: 'group' });
    expect(k(policyRoleName({ prefix, policy: 'g_sales', access: 'write', maxLength: 63 }))).toMatchObject({ kind: 'policy', access: 'write' });
    expect(k(policyRoleName({ prefix, policy: 'u_x', access: 'read', guardrails: ['eu'], maxLength: 63 }))).toMatchObject({ kind: 'policy', access: 'read' });
    expect(k('alice')).toEqual({ kind: 'login' });
  });
});
