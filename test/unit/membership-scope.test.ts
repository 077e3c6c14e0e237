import { describe, expect, it } from 'vitest';
import type { AccessState } from '../../src/domain/access.js';
import { prefixEnd } from '../../src/platforms/postgres/actual-state.sql.js';
import { isMembershipOperation, membershipPart, membershipScope, onlyMembershipsDiffer } from '../../src/reconcile/membership-scope.js';

const role = (name: string) => ({ kind: 'role' as const, name });
const table = (t: string) => ({ kind: 'table' as const, segments: ['db', 's', t] });
const state = (o: Partial<AccessState> = {}): AccessState => ({
  roles: [{ grantee: role('p_read'), purpose: 'policy' }, { grantee: role('u1'), purpose: 'principal' }],
  memberships: [{ role: 'p_read', member: role('u1') }],
  grants: [{ securable: table('t1'), grantee: role('p_read'), privileges: ['SELECT'] }],
  defaultGrants: [{ database: 'db', schema: 's', owner: 'etl', objects: 'tables', grantee: role('p_read'), privileges: ['SELECT'] }],
  defaultRoles: [],
  ...o,
});

describe('membership-scoped planning', () => {
  it('tells a change of memberships alone from any other', () => {
    expect(onlyMembershipsDiffer(state(), state())).toBe(true);
    expect(onlyMembershipsDiffer(state({ memberships: [] }), state())).toBe(true);
    expect(onlyMembershipsDiffer(state({ defaultRoles: [{ user: role('u1'), role: 'p_read' }] }), state())).toBe(true);
    expect(onlyMembershipsDiffer(state({ grants: [] }), state())).toBe(false);
    expect(onlyMembershipsDiffer(state({ grants: [{ securable: table('t1'), grantee: role('p_read'), privileges: ['SELECT', 'INSERT'] }] }), state())).toBe(false);
    expect(onlyMembershipsDiffer(state({ grants: [{ securable: table('t2'), grantee: role('p_read'), privileges: ['SELECT'] }] }), state())).toBe(false);
    expect(onlyMembershipsDiffer(state({ grants: [{ securable: table('t1'), grantee: role('p_write'), privileges: ['SELECT'] }] }), state())).toBe(false);
    expect(onlyMembershipsDiffer(state({ roles: [{ grantee: role('p_read'), purpose: 'policy' }] }), state())).toBe(false);
    expect(onlyMembershipsDiffer(state({ roles: [{ grantee: role('p_read'), purpose: 'group' }, { grantee: role('u1'), purpose: 'principal' }] }), state())).toBe(false);
    expect(onlyMembershipsDiffer(state({ defaultGrants: [] }), state())).toBe(false);
  });

  it('compares and reads roles, memberships and default roles only', () => {
    expect(membershipPart(state())).toEqual({ roles: state().roles, memberships: state().memberships, grants: [], defaultGrants: [], defaultRoles: [] });
    const scope = membershipScope({
      rolePrefix: 'p_',
      principals: [role('u1')],
      protectedTables: [table('t1')],
      protectedSequences: [],
      containers: [{ kind: 'schema', segments: ['db', 's'] }],
      databases: ['db'],
      protectedDatabases: [],
      ignoredGrantees: ['sys'],
      defaultOwners: ['etl'],
    });
    expect(scope).toMatchObject({ rolePrefix: 'p_', principals: [role('u1')], ignoredGrantees: ['sys'], protectedTables: [], containers: [], databases: [], defaultOwners: [] });
    expect(isMembershipOperation({ kind: 'grantMembership', roles: ['p_read'], members: [role('u1')] })).toBe(true);
    expect(isMembershipOperation({ kind: 'createRole', role: role('p_x'), purpose: 'policy' })).toBe(false);
  });

  it('bounds a role prefix for an index range', () => {
    expect(prefixEnd('steward_x__')).toBe('steward_x_`');
    expect(prefixEnd('a')).toBe('b');
    expect(prefixEnd('')).toBeNull();
    expect(prefixEnd(`a${String.fromCodePoint(0x10ffff)}`)).toBe('b');
    expect(prefixEnd(`a${String.fromCodePoint(0xd7ff)}`)).toBe(`a${String.fromCodePoint(0xe000)}`);
    for (const s of ['steward_x__', 'steward_x__a', 'steward_x__\u{10fff0}']) expect(s < prefixEnd('steward_x__')!).toBe(true);
  });
});
