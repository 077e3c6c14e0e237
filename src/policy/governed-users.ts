import { principalOf, type User } from '../domain/identity.js';
import { principalNameProblem } from '../domain/principal-name.js';
import { cmp } from '../domain/canonical-state.js';
import type { PolicyInput } from './input.js';

/** A user Steward manages on this connection, with their database login there. */
export interface GovernedUser {
  readonly user: User;
  readonly principal: string;
}

/** Why a user is not governed on a connection. */
export type UngovernedReason = 'no_principal' | 'invalid_principal' | 'system_account' | 'ignored_grantee';

/**
 * The users Steward governs on `input.connection`, sorted by (principal, user name), and why
 * the others are not. A user without a principal gets nothing there; the system account and
 * the configured `ignoreGrantees` are never touched, even if a user maps to them. A principal
 * the platform would refuse or alter (`capabilities.principalName`; a template can produce one
 * after the user was stored) gets nothing either: the configuration check warns about it.
 */
export function governedUsers(input: Pick<PolicyInput, 'users' | 'connection' | 'options' | 'systemAccount' | 'capabilities'>): {
  readonly governed: readonly GovernedUser[];
  readonly ungoverned: ReadonlyMap<string, UngovernedReason>;
} {
  const ignored = new Set(input.options.ignoreGrantees);
  const governed: GovernedUser[] = [];
  const ungoverned = new Map<string, UngovernedReason>();
  for (const user of input.users) {
    const principal = principalOf(user, input.connection, input.options.principalTemplate);
    if (principal === null) ungoverned.set(user.name, 'no_principal');
    else if (principalNameProblem(principal, input.capabilities.principalName) !== null) ungoverned.set(user.name, 'invalid_principal');
    else if (principal === input.systemAccount) ungoverned.set(user.name, 'system_account');
    else if (ignored.has(principal)) ungoverned.set(user.name, 'ignored_grantee');
    else governed.push({ user, principal });
  }
  governed.sort((a, b) => cmp(a.principal, b.principal) || cmp(a.user.name, b.user.name));
  return { governed, ungoverned };
}
