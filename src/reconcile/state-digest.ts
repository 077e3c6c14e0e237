import { createHash } from 'node:crypto';
import { granteeKey, type AccessState } from '../domain/access.js';

/**
 * A digest of a canonical access state (as the policy engine produces it: sorted, deduplicated).
 * Atoms are joined into ~64 KB chunks before hashing: one hash update per atom part cost five
 * times more on 60,000 grants. Equal states give equal digests, so a no-op reconcile can tell
 * that the stored last-applied state needs no rewrite.
 *
 * Each atom is its parts joined by NUL and ended by \u0001 (a grant's securable segments, then
 * \u0002, then the grantee and privileges). The text is built by concatenation, without an
 * array and a join per atom: T10's 950,000 memberships took ≈1 s that way. Stored digests stay
 * valid: the text hashed is the same (`test/unit/state-digest.test.ts` checks it against the
 * array-and-join form).
 */
export function stateDigest(state: AccessState): string {
  const h = createHash('sha1');
  let buf = '';
  const end = (): void => {
    buf += '\u0001';
    if (buf.length > 65_536) {
      h.update(buf);
      buf = '';
    }
  };
  const rest = (parts: readonly string[]): void => {
    for (const p of parts) buf += `\u0000${p}`;
  };
  for (const r of state.roles) {
    buf += `r\u0000${granteeKey(r.grantee)}\u0000${r.purpose}`;
    end();
  }
  for (const m of state.memberships) {
    buf += `m\u0000${m.role}\u0000${granteeKey(m.member)}`;
    end();
  }
  for (const g of state.grants) {
    buf += `g\u0000${g.securable.kind}`;
    rest(g.securable.segments);
    buf += `\u0000\u0002\u0000${granteeKey(g.grantee)}`;
    rest(g.privileges);
    end();
  }
  for (const d of state.defaultGrants) {
    buf += `d\u0000${d.database}\u0000${d.schema}\u0000${d.owner}\u0000${d.objects}\u0000${granteeKey(d.grantee)}`;
    rest(d.privileges);
    end();
  }
  for (const d of state.defaultRoles) {
    buf += `u\u0000${granteeKey(d.user)}\u0000${d.role ?? '\u0003'}`;
    end();
  }
  h.update(buf);
  return h.digest('base64');
}
