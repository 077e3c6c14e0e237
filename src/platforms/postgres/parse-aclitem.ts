import { sortPrivileges, type Privilege } from '../../domain/access.js';

/** Letters of a relation's `aclitem` that Steward models (others — x, t, m — are not its to manage). */
const RELATION_LETTERS: Readonly<Record<string, Privilege>> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', D: 'TRUNCATE' };

export interface AclItem {
  /** Role name, or `PUBLIC` (an empty grantee in the text form). */
  readonly grantee: string;
  readonly privileges: readonly Privilege[];
}

/**
 * Parse the text form of one relation `aclitem`, as `aclitemout` writes it:
 * `grantee=privileges/grantor`, where a name that is not plain letters, digits and `_` is
 * double-quoted with inner quotes doubled, an empty grantee is PUBLIC, and `*` after a letter
 * marks the grant option. Returns null on text it does not recognise.
 */
export function parseRelationAclItem(text: string): AclItem | null {
  let i = 0;
  let grantee = '';
  if (text[0] === '"') {
    i = 1;
    for (;;) {
      const c = text[i];
      if (c === undefined) return null;
      if (c === '"') {
        if (text[i + 1] === '"') {
          grantee += '"';
          i += 2;
          continue;
        }
        i++;
        break;
      }
      grantee += c;
      i++;
    }
  } else {
    const eq = text.indexOf('=');
    if (eq < 0) return null;
    grantee = text.slice(0, eq);
    i = eq;
  }
  if (text[i] !== '=') return null;
  const slash = text.indexOf('/', i + 1);
  if (slash < 0) return null;
  const privileges: Privilege[] = [];
  for (const letter of text.slice(i + 1, slash)) {
    const p = RELATION_LETTERS[letter];
    if (p !== undefined) privileges.push(p);
  }
  return { grantee: grantee === '' ? 'PUBLIC' : grantee, privileges: sortPrivileges(privileges) };
}
