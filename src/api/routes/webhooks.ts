/** Webhook endpoints, their deliveries and redelivery (Standard Webhooks; sending is the jobs' work). */
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Services } from '../../services/container.js';
import { WEBHOOK_EVENT_TYPES } from '../../services/webhook-events.js';
import { clientFor } from '../client-for.js';
import { optionalBody } from '../optional-body.js';
import { NoContent, responses } from '../schemas.js';

const tags = ['webhooks'];

const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) });
type IdParams = Static<typeof IdParams>;
const DeliveryParams = Type.Object({ id: Type.String({ minLength: 1 }), delivery: Type.String({ minLength: 1 }) });
type DeliveryParams = Static<typeof DeliveryParams>;

const AddWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'https URL of the receiver; loopback and private addresses are refused unless serve --allow-private-webhooks' }),
    events: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: `event types: ${WEBHOOK_EVENT_TYPES.join(', ')}, or * for all` }),
  },
  { additionalProperties: false },
);
type AddWebhookBody = Static<typeof AddWebhookBody>;

const RotateBody = Type.Object(
  { graceMs: Type.Optional(Type.Integer({ minimum: 0, description: 'how long the old secret keeps signing (default 24 h)' })) },
  { additionalProperties: false },
);
type RotateBody = Static<typeof RotateBody>;

const DeliveriesQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false });
type DeliveriesQuery = Static<typeof DeliveriesQuery>;

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const WebhookView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabledReason: Nullable(Type.String()),
  previousSecretValidUntil: Nullable(Type.String()),
  createdAt: Type.String(),
});
const CreatedWebhook = Type.Intersect([WebhookView, Type.Object({ secret: Type.String({ description: 'whsec_… signing secret, shown once' }) })]);
const Rotated = Type.Object({ secret: Type.String(), previousSecretValidUntil: Type.String() });
const DeliveryView = Type.Object({}, { additionalProperties: true, description: 'a delivery with its attempts (status, response code, body excerpt)' });

export function webhookRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    app.get('/webhooks', {
      schema: { operationId: 'listWebhooks', tags, summary: 'Webhook endpoints', response: responses({ 200: Type.Array(WebhookView) }) },
    }, async (req) => clientFor(services, req).listWebhooks());

    app.post<{ Body: AddWebhookBody }>('/webhooks', {
      schema: { operationId: 'addWebhook', tags, summary: 'Register an endpoint; its signing secret is in this answer only', body: AddWebhookBody, response: responses({ 201: CreatedWebhook }) },
    }, async (req, reply) => reply.code(201).send(await clientFor(services, req).addWebhook(req.body)));

    app.delete<{ Params: IdParams }>('/webhooks/:id', {
      schema: { operationId: 'removeWebhook', tags, summary: 'Remove an endpoint and its delivery history', params: IdParams, response: responses({ 204: NoContent }) },
    }, async (req, reply) => {
      await clientFor(services, req).removeWebhook(req.params.id);
      return reply.code(204).send();
    });

    app.post<{ Params: IdParams; Body: RotateBody }>('/webhooks/:id/rotate', {
      preValidation: optionalBody,
      schema: { operationId: 'rotateWebhookSecret', tags, summary: 'New signing secret; the old one signs alongside it for a grace period', params: IdParams, body: RotateBody, response: responses({ 200: Rotated }) },
    }, async (req) => clientFor(services, req).rotateWebhookSecret(req.params.id, req.body.graceMs));

    app.post<{ Params: IdParams }>('/webhooks/:id/enable', {
      schema: { operationId: 'enableWebhook', tags, summary: 'Turn a disabled endpoint (HTTP 410) back on', params: IdParams, response: responses({ 200: WebhookView }) },
    }, async (req) => clientFor(services, req).enableWebhook(req.params.id));

    app.get<{ Params: IdParams; Querystring: DeliveriesQuery }>('/webhooks/:id/deliveries', {
      schema: { operationId: 'webhookDeliveries', tags, summary: 'Deliveries, newest first, with every attempt', params: IdParams, querystring: DeliveriesQuery, response: responses({ 200: Type.Array(DeliveryView) }) },
    }, async (req) => clientFor(services, req).webhookDeliveries(req.params.id, req.query.limit));

    app.post<{ Params: DeliveryParams }>('/webhooks/:id/deliveries/:delivery/redeliver', {
      schema: { operationId: 'redeliverWebhook', tags, summary: 'Send a delivery again (same message id, fresh signature)', params: DeliveryParams, response: responses({ 202: NoContent }) },
    }, async (req, reply) => {
      await clientFor(services, req).redeliverWebhook(req.params.id, req.params.delivery);
      return reply.code(202).send();
    });
  };
}
