import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

/**
 * Prometheus metrics at `/metrics` (the path scrapers expect), behind the bearer token like
 * every route but the probes: configure the scraper with a (viewer) token.
 */
export function metricsRoutes(registry: Registry): FastifyPluginAsync {
  return async (app) => {
    app.get('/metrics', {
      schema: { operationId: 'metrics', tags: ['health'], summary: 'Prometheus metrics: jobs, statements applied, drift, webhooks, health per connection' },
    }, async (_req, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));
  };
}
