import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupRoleName, personalRoleName, policyRoleName, slugify } from '../../src/policy/role-names.js';

const pol = (policy: string, access: 'read' | 'write' = 'read', guardrails: string[] = [], maxLength = 63, prefix = 'steward_'): string =>
  policyRoleName({ prefix, policy, access, guardrails, maxLength });

describe('role names', () => {
  it('uses a safe name as is', () => {
    expect(pol('analysts_sales')).toBe('steward_analysts_sales_r');
    expect(pol('analysts_sales', 'write')).toBe('steward_analysts_sales_w');
    expect(personalRoleName({ prefix: 'steward_', principal: 'alice', maxLength: 80 })).toBe('steward_u_alice');
  });

  it('slugs lossy names and adds a stable hash', () => {
    const name = pol('Analysts-Read-Sales');
    expect(name).toMatch(/^steward_analysts_read_sales_[0-9a-f]{8}_r$/);
    expect(pol('Analysts-Read-Sales')).toBe(name);
    expect(pol('analysts_read_sales')).toBe('steward_analysts_read_sales_r');
    expect(pol('analysts.read.sales')).not.toBe(name);
    expect(pol('日本')).toMatch(/^steward_x_[0-9a-f]{8}_r$/);
    expect(slugify('  Hello, World!  ')).toBe('hello_world');
  });

  it('guardrail partitions get their own suffix, independent of guardrail order', () => {
    const g = pol('p', 'read', ['pii', 'eu-only']);
    expect(g).toMatch(/^steward_p_r_g[0-9a-f]{8}$/);
    expect(pol('p', 'read', ['eu-only', 'pii'])).toBe(g);
    expect(pol('p', 'read', ['pii'])).not.toBe(g);
    expect(pol('p', 'read')).toBe('steward_p_r');
  });

  it('stays within the platform limit', () => {
    const long = 'a'.repeat(100);
    for (const max of [32, 63, 80]) {
      expect(pol(long, 'write', ['g1'], max).length).toBeLessThanOrEqual(max);
      expect(pol(long, 'write', [], max).length).toBeLessThanOrEqual(max);
      expect(personalRoleName({ prefix: 'steward_', principal: long, maxLength: max }).length).toBeLessThanOrEqual(max);
    }
    expect(pol('a'.repeat(53))).toBe(`steward_${'a'.repeat(53)}_r`);
    expect(pol('a'.repeat(54))).toMatch(/^steward_a{44}_[0-9a-f]{8}_r$/);
    expect(() => pol('p', 'read', ['g'], 20, 'a_very_long_prefix_')).toThrow(/rolePrefix is too long/);
  });

  it('keeps policy names out of the personal namespace and hash-looking names hashed', () => {
    expect(pol('u')).not.toBe(personalRoleName({ prefix: 'steward_', principal: 'r', maxLength: 63 }));
    expect(pol('u_bob')).not.toBe(personalRoleName({ prefix: 'steward_', principal: 'bob_r', maxLength: 63 }));
    expect(pol('x_deadbeef')).toMatch(/^steward_x_deadbeef_[0-9a-f]{8}_r$/);
  });

  it('names group roles in their own namespace, and keeps policy names out of it', () => {
    expect(groupRoleName({ prefix: 'steward_', group: 'analysts', maxLength: 80 })).toBe('steward_g_analysts');
    expect(groupRoleName({ prefix: 'steward_', group: 'Data Team', maxLength: 80 })).toMatch(/^steward_g_data_team_[0-9a-f]{8}$/);
    expect(pol('g_sales')).toMatch(/^steward_g_sales_[0-9a-f]{8}_r$/);
    expect(pol('g')).not.toBe(groupRoleName({ prefix: 'steward_', group: 'r', maxLength: 63 }));
    expect(pol('g_x')).not.toBe(groupRoleName({ prefix: 'steward_', group: 'x_r', maxLength: 63 }));
    expect(pol('gx')).toBe('steward_gx_r');
  });

  it('never collides: distinct policies, accesses, guardrail sets, principals and groups give distinct names', () => {
    const name = fc.oneof(
      fc.stringMatching(/^[a-z0-9_]{1,12}$/),
      fc.constantFrom('u', 'u_', 'u_a', 'g', 'g_', 'g_a', 'g_a_r', 'a_r', 'a_w', 'a_r_g0000000a', 'x_0000000a', 'A', 'a-b', 'a_b', 'a__b'),
      fc.string({ maxLength: 12 }),
    );
    const roleArb = fc.oneof(
      fc.record({ kind: fc.constant('policy' as const), name, access: fc.constantFrom<'read' | 'write'>('read', 'write'), guards: fc.uniqueArray(fc.constantFrom('g1', 'g2'), { maxLength: 2 }) }),
      fc.record({ kind: fc.constant('personal' as const), name, access: fc.constant('read' as const), guards: fc.constant<string[]>([]) }),
      fc.record({ kind: fc.constant('group' as const), name, access: fc.constant('read' as const), guards: fc.constant<string[]>([]) }),
    );
    fc.assert(
      fc.property(fc.array(roleArb, { maxLength: 20 }), fc.constantFrom(32, 63, 80), (roles, max) => {
        const seen = new Map<string, string>();
        for (const r of roles) {
          const id = JSON.stringify([r.kind, r.name, r.access, [...r.guards].sort()]);
          const n =
            r.kind === 'policy'
              ? pol(r.name, r.access, r.guards, max)
              : r.kind === 'personal'
                ? personalRoleName({ prefix: 'steward_', principal: r.name, maxLength: max })
                : groupRoleName({ prefix: 'steward_', group: r.name, maxLength: max });
          expect(n.length).toBeLessThanOrEqual(max);
          expect(n).toMatch(/^[a-z0-9_]+$/);
          const prior = seen.get(n);
          if (prior !== undefined) expect(prior).toBe(id);
          seen.set(n, id);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
