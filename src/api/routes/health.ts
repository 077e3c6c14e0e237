import type { FastifyPluginAsync } from 'fastify';
import { redactSecrets } from '../../domain/errors.js';
import type { Services } from '../../services/container.js';
import { HealthBody } from '../schemas.js';

// Probes answer without a token (orchestrators have none; see route-access.ts); they reveal
// only that the process, and its store, are up.
const schema = (operationId: string, summary: string, codes: number[]) => ({
  operationId, summary, tags: ['health'], security: [],
  response: Object.fromEntries(codes.map((c) => [c, HealthBody])),
});

/** `/healthz` (the process answers) and `/readyz` (the store answers too): the only open routes. */
export function healthRoutes(services: Pick<Services, 'db'>): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: schema('healthz', 'Liveness: always ok while the process serves', [200]) }, async () => ({ status: 'ok' }));

    app.get('/readyz', { schema: schema('readyz', 'Readiness: ok when the metadata store answers', [200, 503]) }, async (req, reply) => {
      try {
        await services.db.query('SELECT 1');
        return { status: 'ok' };
      } catch (err) {
        // Only the verdict goes out; the reason goes to the log.
        req.log.warn({ reason: redactSecrets(err instanceof Error ? err.message : String(err)) }, 'readiness: the store does not answer');
        return reply.code(503).send({ status: 'unavailable' });
      }
    });
  };
}
