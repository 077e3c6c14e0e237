import { PUBLIC_GRANTEE, roleGrantee, sortPrivileges, type Grantee, type Privilege } from '../../domain/access.js';

/** Letters of a table's `aclitem` that Steward models (others — x, t, m — are not its to manage). */
export const RELATION_LETTERS: Readonly<Record<string, Privilege>> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', D: 'TRUNCATE' };
/** A sequence's letters: SELECT (currval), UPDATE (setval), USAGE (nextval). */
export const SEQUENCE_LETTERS: Readonly<Record<string, Privilege>> = { r: 'SELECT', w: 'UPDATE', U: 'USAGE' };
/** A column's letters Steward models (REFERENCES, x, is not). */
export const COLUMN_LETTERS: Readonly<Record<string, Privilege>> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE' };

export interface AclItem {
  /** A role, or PUBLIC (an empty grantee in the text form). A role named "PUBLIC" stays a role. */
  readonly grantee: Grantee;
  readonly privileges: readonly Privilege[];
  /** The role that granted the item. */
  readonly grantor: string;
}

/** Read a role name at `i` as `putid` writes it: bare, or double-quoted with `""` for a quote. */
function readName(text: string, i: number, stop: string): { name: string; end: number } | null {
  if (text[i] !== '"') {
    const end = stop === '' ? text.length : text.indexOf(stop, i);
    if (end < 0) return null;
    return { name: text.slice(i, end), end };
  }
  let name = '';
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '"') {
      if (text[j + 1] === '"') {
        name += '"';
        j++;
        continue;
      }
      return { name, end: j + 1 };
    }
    name += text[j];
  }
  return null;
}

/**
 * Parse the text form of one `aclitem`, as `aclitemout` writes it: `grantee=privileges/grantor`,
 * where a name that is not plain letters, digits and `_` is double-quoted with inner quotes
 * doubled, an empty grantee is PUBLIC, and `*` after a letter marks the grant option.
 * `letters` maps the letters Steward models for the object type. Returns null on text it does
 * not recognise.
 */
export function parseAclItem(text: string, letters: Readonly<Record<string, Privilege>>): AclItem | null {
  const grantee = text[0] === '=' ? { name: '', end: 0 } : readName(text, 0, '=');
  if (grantee === null || text[grantee.end] !== '=') return null;
  const slash = text.indexOf('/', grantee.end + 1);
  if (slash < 0) return null;
  const grantor = readName(text, slash + 1, '');
  if (grantor === null || grantor.end !== text.length) return null;
  const privileges: Privilege[] = [];
  for (const letter of text.slice(grantee.end + 1, slash)) {
    const p = letters[letter];
    if (p !== undefined) privileges.push(p);
  }
  // Only an unquoted empty name is PUBLIC; `""=r/x` cannot occur (names are never empty).
  const who = text[0] === '=' ? PUBLIC_GRANTEE : roleGrantee(grantee.name);
  return { grantee: who, privileges: sortPrivileges(privileges), grantor: grantor.name };
}

/** A table's ACL item (kept for callers that only read tables). */
export function parseRelationAclItem(text: string): AclItem | null {
  return parseAclItem(text, RELATION_LETTERS);
}
