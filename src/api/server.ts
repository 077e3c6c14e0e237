/**
 * The HTTP API: `/api/v1/...`, JSON, an OpenAPI 3 document generated from the route schemas,
 * bearer authentication everywhere but the probes, and one table deciding which role may call
 * which route (route-access.ts). Routes are thin: validate, call one `StewardClient` method,
 * return its result.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Services } from '../services/container.js';
import { authenticate, authorizeOwner, requireRouteRule, withAuditContext } from './auth.js';
import { OPENAPI_PATH, errorHandler, notFoundHandler } from './errors.js';
import { logRequest, loggingOptions, type LogOptions } from './logging.js';
import { ruleOf } from './route-access.js';
import { auditRoutes } from './routes/audit.js';
import { catalogRoutes } from './routes/catalog.js';
import { connectionRoutes } from './routes/connections.js';
import { healthRoutes } from './routes/health.js';
import { identityRoutes } from './routes/identities.js';
import { ownerRoutes } from './routes/owners.js';
import { reconcileRoutes } from './routes/reconcile.js';
import { tokenRoutes } from './routes/tokens.js';
import { metricsRoutes } from './routes/metrics.js';
import { webhookRoutes } from './routes/webhooks.js';
import type { Registry } from 'prom-client';
import { ErrorBody } from './schemas.js';

export interface ServerOptions {
  /** Log requests and errors (pino, JSON lines): true for stdout, or where and how. Off by default, as in tests. */
  readonly logger?: boolean | LogOptions;
  /** Serve these Prometheus metrics at `/metrics` (behind the bearer token). */
  readonly metrics?: Registry;
  /** Called after every request that may have changed something (the jobs look at the outbox). */
  readonly onChange?: () => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered (`METHOD /path`, HEAD left out): what the route × role test walks. */
    readonly stewardRoutes: readonly { readonly method: string; readonly url: string }[];
  }
}

/** Build the API server (not listening): `await app.listen(...)` or `app.inject(...)`. */
export async function createServer(services: Services, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const log = opts.logger === true ? {} : opts.logger === undefined || opts.logger === false ? false : opts.logger;
  const app = Fastify({
    ...loggingOptions(log),
    // A whole configuration travels in one body; large organisations make large files.
    bodyLimit: 8 * 1024 * 1024,
    // Unknown fields are errors, not silently dropped: a misspelt option must not vanish.
    ajv: { customOptions: { removeAdditional: false } },
  });

  const routes: { method: string; url: string }[] = [];
  app.decorate('stewardRoutes', routes);
  // Before any route (and before swagger, which documents what this hook adds).
  app.addHook('onRoute', requireRouteRule);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: route.url });
      const rule = ruleOf(method, route.url);
      if (rule !== undefined && rule.public !== true && route.schema) {
        const who = rule.roles.map((r) => (r === 'owner' && rule.ownedPath ? 'owner (of the object)' : r)).join(', ');
        route.schema = { ...route.schema, description: `${route.schema.description ?? ''}${route.schema.description ? '\n\n' : ''}Roles: ${who}.` };
      }
    }
  });

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.decorateRequest('actor', '');
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onRequest', authenticate(services.tokens));
  app.addHook('preHandler', authorizeOwner(services.owners));
  app.addHook('preHandler', withAuditContext);
  if (log !== false) app.addHook('onResponse', logRequest);
  const onChange = opts.onChange;
  if (onChange) app.addHook('onResponse', async (req) => void (req.method !== 'GET' && req.method !== 'HEAD' && onChange()));

  // Registered before any route: the plugin collects routes as they are added.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Steward API',
        version: '1.0.0',
        description:
          'Data-access governance control plane. Every route needs a bearer token except /healthz and /readyz; ' +
          'what each role may call is listed in each operation ("Roles: …"). Error answers carry a requestId, also in the server log.',
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
      await api.register(ownerRoutes(services));
      await api.register(tokenRoutes(services));
      await api.register(webhookRoutes(services));
    },
    { prefix: '/api/v1' },
  );
  // Behind the same bearer auth as every other route (INTERFACE.md: only the probes are open).
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());

  return app;
}
