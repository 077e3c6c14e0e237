/** Steward's own identities and how they map to database principals. */

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
