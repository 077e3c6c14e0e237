import { describe, expect, it } from 'vitest';
import { EMPTY_STATE } from '../../src/domain/access.js';
import type { Operation } from '../../src/domain/plan.js';
import type { SecureViewFootprint } from '../../src/domain/secure-view.js';
import { teardownWithSecureViews } from '../../src/reconcile/teardown.js';

const name = (op: Operation): string => (op.kind === 'secureView' ? `secureView:${op.change.kind}` : op.kind === 'dropRole' ? `dropRole:${op.role}` : op.kind);

describe('teardown with secure views', () => {
  const footprint = (removable: boolean): SecureViewFootprint => ({
    objects: [
      { kind: 'view', segments: ['db', 's_secure', 't'], system: ['db', 'sys'], removable: true },
      { kind: 'viewContainer', segments: ['db', 's_secure'], removable, ...(removable ? {} : { reason: 'holds objects Steward did not make: "x"', keepsOwner: true }) },
      { kind: 'system', segments: ['db', 'sys'], removable: true },
    ],
  });
  const actual = {
    ...EMPTY_STATE,
    roles: [
      { grantee: { kind: 'role', name: 'p__views' }, purpose: 'policy' },
      { grantee: { kind: 'role', name: 'p__read' }, purpose: 'policy' },
    ],
  } as typeof EMPTY_STATE;

  it('drops views, then their containers, then the system, before roles are dropped', () => {
    const plan = teardownWithSecureViews(actual, footprint(true), 'c', 'p__');
    const names = plan.operations.map(name);
    const firstRole = names.findIndex((n) => n.startsWith('dropRole'));
    expect(names.slice(0, 3)).toEqual(['secureView:dropView', 'secureView:dropViewContainer', 'secureView:dropSystem']);
    expect(names).toContain('dropRole:p__views');
    expect(firstRole).toBeGreaterThan(2);
  });

  it('leaves a container holding objects of others, and the view-owner role that owns it', () => {
    const plan = teardownWithSecureViews(actual, footprint(false), 'c', 'p__');
    const names = plan.operations.map(name);
    expect(names).not.toContain('secureView:dropViewContainer');
    expect(names).not.toContain('dropRole:p__views');
  });

  it('a connection without secure views tears down as before', () => {
    expect(teardownWithSecureViews(EMPTY_STATE, { objects: [] }, 'c', 'p__').operations).toEqual([]);
  });
  it("keeps the view-owner role's privileges on its own objects (they go with them) and revokes the rest", () => {
    const grants = {
      ...actual,
      grants: [
        { grantee: { kind: 'role', name: 'p__views' }, privileges: ['USAGE'], securable: { kind: 'schema', segments: ['db', 's_secure'] } },
        { grantee: { kind: 'role', name: 'p__views' }, privileges: ['SELECT'], securable: { kind: 'table', segments: ['db', 's', 't'] } },
      ],
    } as unknown as typeof EMPTY_STATE;
    const plan = teardownWithSecureViews(grants, footprint(true), 'c', 'p__');
    const revoked = plan.operations.flatMap((op) => (op.kind === 'revoke' ? op.securables.map((x) => x.segments.join('.')) : []));
    expect(revoked).toEqual(['db.s.t']);
  });
});
