import { StewardError } from '../../domain/errors.js';

/**
 * The one identifier-quoting function of the PostgreSQL dialect: wrap in double quotes and
 * double every inner double quote. Every identifier that reaches SQL goes through here, so a
 * name is never interpreted, whatever it holds (`"`, `;`, `--`, spaces, case, non-ASCII).
 *
 * Rejects the empty string (PostgreSQL has no zero-length identifier) and NUL bytes (the wire
 * protocol ends strings at NUL, so the server would see a different, shorter name).
 * Names longer than 63 bytes are not rejected here: the server truncates them, and names come
 * from the catalog (already short enough) or from role names the planner bounds by
 * `maxRoleNameLength`.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) {
    throw new StewardError('invalid_input', 'identifier: must not be empty', { hint: 'PostgreSQL names have at least one character' });
  }
  if (name.includes('\u0000')) {
    throw new StewardError('invalid_input', 'identifier: contains a NUL byte', { hint: 'PostgreSQL names cannot contain NUL (\\0)' });
  }
  return `"${name.replaceAll('"', '""')}"`;
}
