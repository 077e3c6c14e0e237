/** Steward's own identities and how they map to database principals. */
import { hasLoneSurrogate } from './principal-name.js';

export interface User {
  readonly name: string;
  readonly email: string | null;
  readonly groups: readonly string[];
  /** Multi-valued attributes: `{ department: ['sales', 'emea'] }`. */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  /** Explicit database principal per connection name. */
  readonly principals: Readonly<Record<string, string>>;
}

/**
 * Resolve the database principal of a user on a connection: the explicit mapping if any, else
 * the connection's template. Templates: `{user}` (the user name), `{email}`, `{email.local}`
 * (the part of the e-mail before `@`). Returns null when the template needs an e-mail the
 * user does not have: such a user gets nothing on that connection.
 */
export function principalOf(user: User, connection: string, template: string | null | undefined): string | null {
  const explicit = user.principals[connection];
  if (explicit !== undefined) return explicit;
  const t = template ?? '{user}';
  let missing = false;
  const out = t.replace(/\{(user|email|email\.local)\}/g, (_m, key: string) => {
    if (key === 'user') return user.name;
    if (user.email === null) {
      missing = true;
      return '';
    }
    return key === 'email' ? user.email : user.email.split('@')[0]!;
  });
  return missing || out.length === 0 ? null : out;
}

/**
 * Names of users, groups and tags: 1–128 characters, no `/` (they appear in API paths) and not
 * starting with whitespace; no NUL and no lone surrogate (the store keeps UTF-8 text).
 * Returns why a name is refused, or null.
 */
export function stewardNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if ([...name].length > 128) return 'is longer than 128 characters';
  if (name.includes('/')) return 'contains "/"';
  if (/^\s/.test(name)) return 'starts with whitespace';
  if (name.includes('\u0000')) return 'contains a NUL character';
  if (hasLoneSurrogate(name)) return 'is not valid Unicode (a lone surrogate)';
  return null;
}

export const STEWARD_NAME_HINT = 'use 1–128 characters, without "/" and not starting with whitespace';
