import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services/container.js';
import { clientFor } from '../client-for.js';
import { AuditEvent, AuditIdParams, AuditQuery, responses } from '../schemas.js';

const tags = ['audit'];

/** The audit log, newest first, paged by id. */
export function auditRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: AuditQuery }>('/audit', {
      schema: {
        operationId: 'audit', tags, summary: 'Audit events, newest first; page with `before`',
        querystring: AuditQuery, response: responses({ 200: Type.Array(AuditEvent) }),
      },
    }, async (req) => clientFor(services, req).audit(req.query));

    app.get<{ Params: AuditIdParams }>('/audit/:id', {
      schema: { operationId: 'auditEvent', tags, summary: 'One audit event', params: AuditIdParams, response: responses({ 200: AuditEvent }) },
    }, async (req) => clientFor(services, req).auditEvent(req.params.id));
  };
}
