/**
 * Bearer-token authentication for every route but the probes. The token's name becomes the
 * audit actor, so every change made over the API is attributed to the token that made it.
 */
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { StewardError } from '../domain/errors.js';
import type { TokenService } from '../services/token-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** `token:<name>` once authenticated; empty on the open routes. */
    actor: string;
  }
  interface FastifyContextConfig {
    /** Open route: no bearer token needed (only the health probes). */
    public?: boolean;
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
 * The `onRequest` hook. Added at the root so that it also guards unknown routes: without a
 * token, probing for routes yields 401, not a map of what exists.
 */
export function bearerAuth(tokens: Pick<TokenService, 'verify'>): onRequestAsyncHookHandler {
  return async (request) => {
    if (request.routeOptions.config.public === true) return;
    const token = bearerOf(request);
    if (token === null) throw new StewardError('unauthorized', 'missing bearer token', { hint: HINT });
    const identity = await tokens.verify(token);
    if (identity === null) throw new StewardError('unauthorized', 'invalid bearer token', { hint: HINT });
    request.actor = `token:${identity.name}`;
  };
}
