import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services/container.js';
import { clientFor } from '../client-for.js';
import { NoContent, OwnerBody, OwnerView, OwnersQuery, responses } from '../schemas.js';

const tags = ['owners'];

/** Data owners: which user owns which subtree of the catalog. */
export function ownerRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: OwnersQuery }>('/owners', {
      schema: { operationId: 'listOwners', tags, summary: 'Who owns what', querystring: OwnersQuery, response: responses({ 200: Type.Array(OwnerView) }) },
    }, async (req) => clientFor(services, req).listOwners(req.query.user === undefined ? {} : { user: req.query.user }));

    app.post<{ Body: OwnerBody }>('/owners', {
      schema: { operationId: 'addOwner', tags, summary: 'Make a user owner of a subtree (no-op when they are)', body: OwnerBody, response: responses({ 204: NoContent }) },
    }, async (req, reply) => {
      await clientFor(services, req).addOwner(req.body.user, req.body.path);
      return reply.code(204).send();
    });

    // DELETE takes its arguments in the query: paths contain "/" and DELETE bodies are poorly supported.
    app.delete<{ Querystring: OwnerBody }>('/owners', {
      schema: { operationId: 'removeOwner', tags, summary: "Remove a user's ownership of a subtree", querystring: OwnerBody, response: responses({ 204: NoContent }) },
    }, async (req, reply) => {
      await clientFor(services, req).removeOwner(req.query.user, req.query.path);
      return reply.code(204).send();
    });
  };
}
