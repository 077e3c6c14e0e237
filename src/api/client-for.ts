import type { FastifyRequest } from 'fastify';
import { createLocalClient } from '../client/local-client.js';
import type { StewardClient } from '../client/steward-client.js';
import type { Services } from '../services/container.js';

/**
 * The client a route calls: the same one the CLI uses on a local store, acting as the request's
 * token. Cheap to make (a record of closures), so one per request. Routes never call `close()`:
 * that would close the shared store.
 */
export function clientFor(services: Services, request: FastifyRequest): Omit<StewardClient, 'close'> {
  return createLocalClient(services, request.actor);
}
