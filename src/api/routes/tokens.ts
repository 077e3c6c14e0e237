import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services/container.js';
import { clientFor } from '../client-for.js';
import { CreateTokenBody, CreatedTokenView, NameParams, TokenView, responses } from '../schemas.js';

const tags = ['tokens'];

/** API tokens: made with a role (and optionally a user to act as), listed, revoked. */
export function tokenRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    app.get('/tokens', {
      schema: { operationId: 'listTokens', tags, summary: 'Tokens (never the tokens themselves), revoked ones last', response: responses({ 200: Type.Array(TokenView) }) },
    }, async (req) => clientFor(services, req).listTokens());

    app.post<{ Body: CreateTokenBody }>('/tokens', {
      schema: {
        operationId: 'createToken', tags, summary: 'Make a token; the answer holds the token, shown this once',
        body: CreateTokenBody, response: responses({ 201: CreatedTokenView }),
      },
    }, async (req, reply) => reply.code(201).send(await clientFor(services, req).createToken(req.body)));

    app.delete<{ Params: NameParams }>('/tokens/:name', {
      schema: { operationId: 'revokeToken', tags, summary: 'Revoke a token (kept, revoked, so the audit log still names it)', params: NameParams, response: responses({ 200: TokenView }) },
    }, async (req) => clientFor(services, req).revokeToken(req.params.name));
  };
}
