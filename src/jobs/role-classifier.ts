/**
 * Name the policy behind a Steward role, for events: role names are derived from policy names
 * (src/policy/role-names.ts), so every subscription policy of the model is named once per
 * access type and looked up; a guardrail partition (`…_g<hash>`) maps to its policy too.
 */
import type { GovernanceModel } from '../config/to-model.js';
import { principalOf } from '../domain/identity.js';
import { policyRoleName, purposeOfRoleName } from '../policy/role-names.js';
import type { RoleKind } from './access-events.js';

const POLICY_SUFFIX = /_(r|w)(_g[0-9a-f]{8})?$/;

export function roleClassifier(opts: { prefix: string; maxLength: number; model: GovernanceModel | null }): (role: string) => RoleKind {
  const byName = new Map<string, string>();
  for (const p of opts.model?.policies ?? []) {
    if (p.type !== 'subscription') continue;
    for (const access of ['read', 'write'] as const) byName.set(policyRoleName({ prefix: opts.prefix, policy: p.name, access, maxLength: opts.maxLength }), p.name);
  }
  return (role) => {
    if (!role.startsWith(opts.prefix)) return { kind: 'login' };
    const purpose = purposeOfRoleName(role, opts.prefix);
    if (purpose !== 'policy') return { kind: purpose };
    const m = POLICY_SUFFIX.exec(role);
    if (!m) return { kind: 'personal' };
    const base = m[2] ? role.slice(0, -m[2].length) : role;
    return { kind: 'policy', policy: byName.get(base) ?? null, access: m[1] === 'w' ? 'write' : 'read' };
  };
}

/** The Steward user behind a database login on a connection (explicit mapping or the template). */
export function userResolver(connection: string, template: string, model: GovernanceModel | null): (principal: string) => string | null {
  const map = new Map<string, string>();
  for (const u of model?.users ?? []) {
    const p = principalOf(u, connection, template);
    if (p !== null && !map.has(p)) map.set(p, u.name);
  }
  return (principal) => map.get(principal) ?? null;
}
