import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services/container.js';
import { clientFor } from '../client-for.js';
import { optionalBody } from '../optional-body.js';
import {
  AddConnectionBody, AddConnectionQuery, CheckReport, ConnectionView, NameParams, RemoveConnectionQuery, RemoveConnectionView, SyncBody, SyncReport, responses,
} from '../schemas.js';

const tags = ['connections'];

/** Registered connections: list, add, remove, check, sync. */
export function connectionRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    app.get('/connections', {
      schema: { operationId: 'listConnections', tags, summary: 'Registered connections (URLs without passwords)', response: responses({ 200: Type.Array(ConnectionView) }) },
    }, async (req) => clientFor(services, req).listConnections());

    app.get<{ Params: NameParams }>('/connections/:name', {
      schema: { operationId: 'getConnection', tags, summary: 'One connection (URL without password)', params: NameParams, response: responses({ 200: ConnectionView }) },
    }, async (req) => clientFor(services, req).getConnection(req.params.name));

    app.post<{ Body: AddConnectionBody; Querystring: AddConnectionQuery }>('/connections', {
      schema: {
        operationId: 'addConnection', tags, summary: 'Register a connection (verified by connecting unless verify=false)',
        body: AddConnectionBody, querystring: AddConnectionQuery, response: responses({ 201: ConnectionView }),
      },
    }, async (req, reply) => {
      const view = await clientFor(services, req).addConnection(req.body, req.query.verify === undefined ? {} : { verify: req.query.verify });
      return reply.code(201).send(view);
    });

    app.delete<{ Params: NameParams; Querystring: RemoveConnectionQuery }>('/connections/:name', {
      schema: {
        operationId: 'removeConnection', tags,
        summary: 'Remove a connection: says what Steward left in its database; with revoke=true takes it away first',
        params: NameParams, querystring: RemoveConnectionQuery, response: responses({ 200: RemoveConnectionView }),
      },
    }, async (req) =>
      clientFor(services, req).removeConnection(req.params.name, {
        ...(req.query.revoke === undefined ? {} : { revoke: req.query.revoke }),
        ...(req.query.keep === undefined ? {} : { keep: req.query.keep }),
      }));

    app.post<{ Params: NameParams }>('/connections/:name/check', {
      schema: {
        operationId: 'checkConnection', tags, summary: "The system account's missing privileges and the SQL to grant them",
        params: NameParams, response: responses({ 200: CheckReport }),
      },
    }, async (req) => clientFor(services, req).checkConnection(req.params.name));

    app.post<{ Params: NameParams; Body: SyncBody }>('/connections/:name/sync', {
      preValidation: optionalBody,
      schema: {
        operationId: 'sync', tags, summary: 'Object sync now (the whole connection or one subtree)',
        params: NameParams, body: SyncBody, response: responses({ 200: SyncReport }),
      },
    }, async (req) => clientFor(services, req).sync(req.params.name, req.body.path));
  };
}
