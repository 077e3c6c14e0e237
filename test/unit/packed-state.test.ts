/**
 * The packed form of a stored access state holds the same state: every grant (grantor,
 * narrowTo and revokeBlocked included, database patterns kept), shared securables, and far
 * fewer bytes than plain JSON when many grants share a grantee and privileges.
 */
import { describe, expect, it } from 'vitest';
import { accountGrantee, PUBLIC_GRANTEE, roleGrantee, type AccessState, type Grant } from '../../src/domain/access.js';
import { canonicalizeState } from '../../src/domain/canonical-state.js';
import { packState, unpackState } from '../../src/domain/packed-state.js';

const reader = roleGrantee('steward_c__read_r');
const select = ['SELECT'] as const;

function state(tables: number): AccessState {
  const grants: Grant[] = [];
  for (let t = 0; t < tables; t++) {
    // One securable object per table, shared by its grants (as the desired state makes them).
    const securable = { kind: 'table' as const, segments: ['db', `s${t % 7}`, `t"${t}`] };
    grants.push({ securable, grantee: reader, privileges: select });
    grants.push({ securable, grantee: roleGrantee('steward_c__write_w'), privileges: ['SELECT', 'INSERT'] });
  }
  grants.push(
    { securable: { kind: 'database', segments: ['shop\\_%'], pattern: true }, grantee: accountGrantee('bob', '%'), privileges: ['SELECT'], narrowTo: [{ kind: 'database', segments: ['shop_1'] }] },
    { securable: { kind: 'table', segments: ['db', 's1', 't"1'] }, grantee: PUBLIC_GRANTEE, privileges: ['SELECT'], grantor: 'etl' },
    { securable: { kind: 'column', segments: ['db', 's1', 't"1', 'email'] }, grantee: reader, privileges: ['SELECT'], revokeBlocked: 'owned by etl' },
  );
  return {
    roles: [{ grantee: reader, purpose: 'policy' }],
    memberships: [{ role: 'steward_c__read_r', member: roleGrantee('alice') }],
    grants,
    defaultGrants: [{ database: 'db', schema: 's1', owner: 'etl', objects: 'tables', grantee: reader, privileges: ['SELECT'] }],
    defaultRoles: [{ user: accountGrantee('bob', '%'), role: 'steward_c__u_bob' }],
  };
}

describe('packed access state', () => {
  it('unpacks to the same state, through JSON', () => {
    const s = state(300);
    const back = unpackState(JSON.parse(JSON.stringify(packState(s))));
    expect(canonicalizeState(back)).toEqual(canonicalizeState(s));
    expect(back.grants).toHaveLength(s.grants.length);
  });

  it('shares one securable object per table, and is smaller than the plain JSON', () => {
    const s = state(2000);
    const packed = JSON.stringify(packState(s));
    expect(packed.length * 4).toBeLessThan(JSON.stringify(s).length);
    const back = unpackState(JSON.parse(packed));
    const t5 = back.grants.filter((g) => g.securable.segments[2] === 't"5');
    expect(t5).toHaveLength(2);
    expect(t5[0]!.securable).toBe(t5[1]!.securable);
  });

  it('keeps an empty state empty', () => {
    const empty: AccessState = { roles: [], memberships: [], grants: [], defaultGrants: [], defaultRoles: [] };
    expect(unpackState(JSON.parse(JSON.stringify(packState(empty))))).toEqual(empty);
  });
});
