import { createHash } from 'node:crypto';
import type { AccessState } from '../domain/access.js';

/**
 * A digest of a canonical access state (as the policy engine produces it: sorted, deduplicated),
 * hashed atom by atom without building one large string. Equal states give equal digests, so
 * a no-op reconcile can tell that the stored last-applied state needs no rewrite.
 */
export function stateDigest(state: AccessState): string {
  const h = createHash('sha1');
  const put = (...parts: readonly string[]): void => {
    for (const p of parts) {
      h.update(p);
      h.update('\u0000');
    }
    h.update('\u0001');
  };
  for (const r of state.roles) put('r', r.name, r.purpose);
  for (const m of state.memberships) put('m', m.role, m.member);
  for (const g of state.grants) put('g', g.securable.kind, ...g.securable.segments, '\u0002', g.grantee, ...g.privileges);
  for (const d of state.defaultGrants) put('d', d.database, d.schema, d.owner, d.grantee, ...d.privileges);
  for (const d of state.defaultRoles) put('u', d.user, d.role ?? '\u0003');
  return h.digest('base64');
}
