/**
 * Authentication (bearer tokens) and authorization (the route table, src/api/route-access.ts).
 * A token made for a user acts as that user: the user is the audit actor, the token is recorded
 * as `via`. Otherwise the token's name is the actor.
 */
import type { FastifyRequest, onRequestAsyncHookHandler, onRouteHookHandler, preHandlerAsyncHookHandler, preHandlerHookHandler } from 'fastify';
import { StewardError } from '../domain/errors.js';
import type { Role } from '../domain/roles.js';
import { auditContext } from '../services/audit-context.js';
import type { OwnershipService } from '../services/ownership-service.js';
import type { TokenService } from '../services/token-service.js';
import { routeKey, ruleOf } from './route-access.js';

/** Who is calling: the token, its role, and the user it acts as. */
export interface Caller {
  readonly token: string;
  readonly role: Role;
  readonly user: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** `user:<name>` or `token:<name>` once authenticated; empty on the open routes. */
    actor: string;
    caller: Caller | null;
  }
}

const HINT = 'send "Authorization: Bearer <token>"; the first admin token is printed by `steward serve` on a fresh data directory, or set with STEWARD_ADMIN_TOKEN';

function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1]! : null;
}

/**
 * `onRoute`: a route the table does not know is a programming error, refused when the route is
 * registered, so the server does not start with an unguarded route.
 */
export const requireRouteRule: onRouteHookHandler = (route) => {
  for (const method of [route.method].flat()) {
    if (method === 'HEAD' || method === 'OPTIONS') continue;
    if (ruleOf(method, route.url) === undefined) {
      throw new Error(`route ${routeKey(method, route.url)} has no entry in ROUTE_ACCESS (src/api/route-access.ts): say who may call it`);
    }
  }
};

function forbidden(role: Role, what: string, roles: readonly Role[]): StewardError {
  if (role === 'scim') {
    return new StewardError('forbidden', 'role scim has no routes yet: the provisioning (SCIM) API does not exist yet', {
      hint: 'use a token of another role for this route',
    });
  }
  return new StewardError('forbidden', `role ${role} may not call ${what}`, { hint: `this needs a token with role ${roles.filter((r) => r !== 'owner').join(' or ')}${roles.includes('owner') ? ', or owner of the object' : ''}` });
}

/**
 * The `onRequest` hook, at the root so that it also guards unknown routes: without a token,
 * probing for routes yields 401, not a map of what exists. The role is checked here, before the
 * body is even read; ownership (which needs the validated body) in `authorizeOwner`.
 */
export function authenticate(tokens: Pick<TokenService, 'verify'>): onRequestAsyncHookHandler {
  return async (request) => {
    const url = request.routeOptions.url;
    const rule = url === undefined ? undefined : ruleOf(request.method, url);
    if (rule?.public === true) return;
    const token = bearerOf(request);
    if (token === null) throw new StewardError('unauthorized', 'missing bearer token', { hint: HINT });
    const v = await tokens.verify(token);
    if (!v.ok) throw new StewardError('unauthorized', v.problem, { hint: HINT });
    const { name, role, user } = v.identity;
    request.caller = { token: name, role, user };
    request.actor = user !== null ? `user:${user}` : `token:${name}`;
    // Unknown routes: authenticated callers learn it is a 404.
    if (url === undefined || rule === undefined) return;
    if (!rule.roles.includes(role)) throw forbidden(role, routeKey(request.method, url), rule.roles);
  };
}

/** The `preHandler` hook after validation: an owner may act only on what they own. */
export function authorizeOwner(owners: Pick<OwnershipService, 'owns'>): preHandlerAsyncHookHandler {
  return async (request) => {
    const c = request.caller;
    const url = request.routeOptions.url;
    if (c === null || c.role !== 'owner' || url === undefined) return;
    const rule = ruleOf(request.method, url);
    // Reads admit owners outright; changes admit them where the table says what they act on.
    if (rule === undefined || rule.public === true || rule.ownedPath === undefined) return;
    const path = rule.ownedPath(request);
    if (typeof path !== 'string' || c.user === null || !(await owners.owns(c.user, path))) {
      throw new StewardError('forbidden', `user ${c.user ?? '?'} does not own ${typeof path === 'string' ? path : 'the object of this request'}`, {
        hint: 'an owner token acts only on the data sources its user owns: see steward owner list',
      });
    }
  };
}

/**
 * The last `preHandler` hook: the handler runs inside the audit context (the request id, and the
 * token a user acts through). A callback hook, because `done` must be called inside `run`.
 */
export const withAuditContext: preHandlerHookHandler = (request, _reply, done) => {
  const c = request.caller;
  auditContext.run({ requestId: request.id, ...(c !== null && c.user !== null ? { via: `token:${c.token}` } : {}) }, () => done());
};
