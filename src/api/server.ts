/**
 * The HTTP API: `/api/v1/...`, JSON, an OpenAPI 3 document generated from the route schemas,
 * bearer authentication everywhere but the probes. Routes are thin: validate, call one
 * `StewardClient` method, return its result.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import type { Services } from '../services/container.js';
import { bearerAuth } from './auth.js';
import { OPENAPI_PATH, errorHandler, notFoundHandler } from './errors.js';
import { auditRoutes } from './routes/audit.js';
import { catalogRoutes } from './routes/catalog.js';
import { connectionRoutes } from './routes/connections.js';
import { healthRoutes } from './routes/health.js';
import { identityRoutes } from './routes/identities.js';
import { reconcileRoutes } from './routes/reconcile.js';
import { metricsRoutes } from './routes/metrics.js';
import { webhookRoutes } from './routes/webhooks.js';
import type { Registry } from 'prom-client';
import { ErrorBody } from './schemas.js';

export interface ServerOptions {
  /** Log requests and errors (pino, JSON). Off by default, as in tests. */
  readonly logger?: boolean;
  /** Serve these Prometheus metrics at `/metrics` (behind the bearer token). */
  readonly metrics?: Registry;
  /** Called after every request that may have changed something (the jobs look at the outbox). */
  readonly onChange?: () => void;
}

const loggerOptions: FastifyServerOptions['logger'] = {
  level: 'info',
  // fastify's request serializer leaves headers out; this holds should anything log them anyway.
  redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' },
};

/** Build the API server (not listening): `await app.listen(...)` or `app.inject(...)`. */
export async function createServer(services: Services, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger === true ? loggerOptions : false,
    // A whole configuration travels in one body; large organisations make large files.
    bodyLimit: 8 * 1024 * 1024,
    // Unknown fields are errors, not silently dropped: a misspelt option must not vanish.
    ajv: { customOptions: { removeAdditional: false } },
  });

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.decorateRequest('actor', '');
  app.addHook('onRequest', bearerAuth(services.tokens));
  const onChange = opts.onChange;
  if (onChange) app.addHook('onResponse', async (req) => void (req.method !== 'GET' && req.method !== 'HEAD' && onChange()));

  // Registered before any route: the plugin collects routes as they are added.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Steward API',
        version: '1.0.0',
        description: 'Data-access governance control plane. Every route needs a bearer token except /healthz and /readyz.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
    },
    // Shared schemas keep their $id as their component name ("Error", not "def-0").
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.addSchema(ErrorBody);

  await app.register(healthRoutes(services));
  if (opts.metrics) await app.register(metricsRoutes(opts.metrics));
  await app.register(
    async (api) => {
      await api.register(connectionRoutes(services));
      await api.register(catalogRoutes(services));
      await api.register(reconcileRoutes(services));
      await api.register(auditRoutes(services));
      await api.register(identityRoutes(services));
      await api.register(webhookRoutes(services));
    },
    { prefix: '/api/v1' },
  );
  // Behind the same bearer auth as every other route (INTERFACE.md: only the probes are open).
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());

  return app;
}
