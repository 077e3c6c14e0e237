/**
 * Database logins of users, per connection, against what each platform stores exactly
 * (`capabilities.principalName`). A user coming in now (file, `user put`) with a login the
 * platform would refuse or alter is refused, naming the user; a stored user whose login a new
 * connection or template makes invalid gets nothing there, and a warning says so.
 */
import { principalOf, type User } from '../domain/identity.js';
import { principalNameProblem, showName, type PrincipalNameProblem } from '../domain/principal-name.js';
import type { Capabilities } from '../platforms/platform.js';
import { fieldName, suggest, type ConfigIssue } from './issues.js';
import type { ConfigSource } from './source.js';

/** A connection as the checks need it: declared by the configuration, or registered. */
export interface KnownConnection {
  readonly name: string;
  readonly capabilities: Capabilities;
  readonly principalTemplate: string;
  readonly rolePrefix: string;
}

/** Why `principal` cannot be a governed login on `c`, or null. */
export function principalProblem(principal: string, c: KnownConnection): PrincipalNameProblem | null {
  const p = principalNameProblem(principal, c.capabilities.principalName);
  if (p !== null) return p;
  if (principal.startsWith(c.rolePrefix)) {
    return { problem: `${showName(principal)} starts with "${c.rolePrefix}", the prefix of the roles Steward creates there`, hint: 'map the user to a login outside the role prefix of the connection' };
  }
  return null;
}

export function checkPrincipals(input: {
  readonly users: readonly User[];
  /** Names of the users coming in now: their problems are errors. */
  readonly incoming: ReadonlySet<string>;
  readonly connections: ReadonlyMap<string, KnownConnection>;
  readonly source: ConfigSource;
}): { errors: ConfigIssue[]; warnings: ConfigIssue[] } {
  const { source } = input;
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const at = (path: (string | number)[]): { file: string; line: number | null; field: string } => ({ file: source.file, line: source.lineOf(path), field: fieldName(path) });
  const stored = (user: string): { file: string; line: null; field: string } => ({ file: '(store)', line: null, field: `users.${user}` });
  const known = [...input.connections.keys()];

  for (const u of input.users) {
    if (!input.incoming.has(u.name)) continue;
    for (const conn of Object.keys(u.principals)) {
      if (!input.connections.has(conn)) {
        errors.push({ ...at(['users', u.name, 'principals', conn]), message: `user ${showName(u.name)}: no connection ${showName(conn)}`, hint: suggest(conn, known, 'connection') });
      }
    }
  }

  for (const c of input.connections.values()) {
    const owner = new Map<string, string>();
    for (const u of input.users) {
      const principal = principalOf(u, c.name, c.principalTemplate);
      if (principal === null) continue;
      const explicit = u.principals[c.name] !== undefined;
      const mine = input.incoming.has(u.name);
      const problem = principalProblem(principal, c);
      if (problem !== null) {
        const how = explicit ? '' : ` (from the principal template ${JSON.stringify(c.principalTemplate)})`;
        if (mine) {
          errors.push({ ...at(explicit ? ['users', u.name, 'principals', c.name] : ['users', u.name]), connection: c.name, message: `user ${showName(u.name)} on connection "${c.name}": login ${problem.problem}${how}`, hint: problem.hint });
        } else {
          warnings.push({ ...stored(u.name), connection: c.name, message: `user ${showName(u.name)} gets nothing on connection "${c.name}": login ${problem.problem}${how}`, hint: problem.hint });
        }
        continue;
      }
      const other = owner.get(principal);
      if (other === undefined) {
        owner.set(principal, u.name);
        continue;
      }
      const message = `users ${showName(other)} and ${showName(u.name)} both map to login ${showName(principal)} on connection "${c.name}": each would get the other's access`;
      const hint = 'give each user their own login (users.<name>.principals.<connection>)';
      if (mine || input.incoming.has(other)) errors.push({ ...(mine ? at(['users', u.name]) : at(['users', other])), connection: c.name, message, hint });
      else warnings.push({ ...stored(u.name), connection: c.name, message, hint });
    }
  }
  return { errors, warnings };
}
