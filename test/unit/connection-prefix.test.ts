/**
 * Role prefixes of two connections must not nest (one the beginning of the other): each
 * connection takes every role under its prefix as its own. Default prefixes never nest.
 */
import { describe, expect, it } from 'vitest';
import { CONNECTION_NAME_RE, defaultRolePrefix, nestedPrefix, nestedPrefixProblem } from '../../src/domain/connection.js';

describe('nestedPrefix', () => {
  const registered = [
    { name: 'wh', rolePrefix: 'steward_wh__' },
    { name: 'crm', rolePrefix: 'gov_crm_' },
  ];

  it('finds a prefix that equals, begins or is begun by another connection\'s', () => {
    expect(nestedPrefix('x', 'steward_wh__', registered)?.name).toBe('wh');
    expect(nestedPrefix('x', 'steward_', registered)?.name).toBe('wh');
    expect(nestedPrefix('x', 'steward_wh__p_', registered)?.name).toBe('wh');
    expect(nestedPrefix('x', 'gov_', registered)?.name).toBe('crm');
    expect(nestedPrefix('x', 'gov_crm_eu_', registered)?.name).toBe('crm');
  });

  it('passes prefixes that only share a beginning, and ignores the connection itself', () => {
    expect(nestedPrefix('x', 'steward_wh_b__', registered)).toBeUndefined();
    expect(nestedPrefix('x', 'steward_w__', registered)).toBeUndefined();
    expect(nestedPrefix('x', 'gov_hr_', registered)).toBeUndefined();
    expect(nestedPrefix('wh', 'steward_wh__', registered)).toBeUndefined();
  });

  it('never finds two default prefixes nesting, whatever the valid names', () => {
    const names = ['a', 'ab', 'a_b', 'a_b_c', 'ab_c', 'a1', 'a_1', 'wh', 'wh_b', 'w', 'x9_y', 'a_bc', 'abc'];
    for (const n of names) expect(CONNECTION_NAME_RE.test(n)).toBe(true);
    const all = names.map((name) => ({ name, rolePrefix: defaultRolePrefix(name) }));
    for (const c of all) expect(nestedPrefix(c.name, c.rolePrefix, all)).toBeUndefined();
  });

  it('says which connection and prefix, why, and what to do', () => {
    const p = nestedPrefixProblem('steward_', registered[0]!);
    expect(p.problem).toBe(
      '"steward_" nests with the role prefix of connection "wh" ("steward_wh__"): each connection takes every role under its prefix as its own, so on one server either would revoke and drop the other\'s roles',
    );
    expect(nestedPrefixProblem('steward_wh__', registered[0]!).problem).toMatch(/^"steward_wh__" is the role prefix of connection "wh"/);
    expect(p.hint).toMatch(/steward_<name>__, never nests/);
  });
});
