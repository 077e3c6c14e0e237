/**
 * Who may call what: the one table. Every route the server registers must have an entry here
 * (`METHOD /full/path` as fastify spells it, `:param` included); a route without one makes the
 * server refuse to start, so a new route can never be open by accident. HEAD follows GET.
 *
 * Roles (src/domain/roles.ts): admin does everything; governor manages policies, identities
 * (users, groups, data owners) and tags; owner tags what they own; viewer reads; scim has no
 * route yet (the provisioning API does not exist) and is refused everywhere.
 */
import type { FastifyRequest } from 'fastify';
import type { Role } from '../domain/roles.js';

export type RouteRule =
  | { readonly public: true }
  | {
      readonly public?: false;
      /** Roles admitted. Where `ownedPath` is given, `owner` is admitted only for paths its user owns. */
      readonly roles: readonly Role[];
      /** The object path the request acts on, read after validation; every change an owner may make has one. */
      readonly ownedPath?: (request: FastifyRequest) => unknown;
    };

const PUBLIC: RouteRule = { public: true };
const READ: RouteRule = { roles: ['admin', 'governor', 'owner', 'viewer'] };
const GOVERN: RouteRule = { roles: ['admin', 'governor'] };
const ADMIN: RouteRule = { roles: ['admin'] };
/** Tags: governors anywhere, owners on what they own. */
const TAGGING = (from: 'body' | 'query'): RouteRule => ({
  roles: ['admin', 'governor', 'owner'],
  ownedPath: (request) => (request[from] as { path?: unknown } | undefined)?.path,
});

export const ROUTE_ACCESS: Readonly<Record<string, RouteRule>> = {
  // Probes: orchestrators have no token; they reveal only that the process and its store are up.
  'GET /healthz': PUBLIC,
  'GET /readyz': PUBLIC,
  'GET /api/v1/openapi.json': READ,

  'GET /api/v1/connections': READ,
  'GET /api/v1/connections/:name': READ,
  'POST /api/v1/connections': ADMIN,
  'DELETE /api/v1/connections/:name': ADMIN,
  // Connects with the stored credentials and reports the system account's privileges.
  'POST /api/v1/connections/:name/check': ADMIN,
  'POST /api/v1/connections/:name/sync': ADMIN,
  'POST /api/v1/connections/:name/apply': ADMIN,

  'GET /api/v1/catalog': READ,
  'GET /api/v1/catalog/search': READ,

  // Changes nothing, but connects to the databases (and to those a posted file names).
  'POST /api/v1/plan': GOVERN,
  // A configuration carries connections and their credentials.
  'POST /api/v1/config': ADMIN,
  'POST /api/v1/apply': ADMIN,
  'GET /api/v1/status': READ,
  'GET /api/v1/explain': READ,
  'GET /api/v1/who-can': READ,

  'GET /api/v1/audit': READ,
  'GET /api/v1/audit/:id': READ,

  'GET /api/v1/users': READ,
  'PUT /api/v1/users/:name': GOVERN,
  'DELETE /api/v1/users/:name': GOVERN,
  'GET /api/v1/groups': READ,
  'POST /api/v1/groups': GOVERN,
  'DELETE /api/v1/groups/:name': GOVERN,
  'GET /api/v1/policies': READ,
  'PUT /api/v1/policies/:name': GOVERN,
  'DELETE /api/v1/policies/:name': GOVERN,
  'GET /api/v1/tags': READ,
  'POST /api/v1/tags': TAGGING('body'),
  'DELETE /api/v1/tags': TAGGING('query'),
  'GET /api/v1/owners': READ,
  'POST /api/v1/owners': GOVERN,
  'DELETE /api/v1/owners': GOVERN,

  // Webhooks send events (access granted and revoked, plans) to other systems: set up by an
  // admin; their list and delivery history (response excerpts) read by governors and admins.
  'GET /api/v1/webhooks': GOVERN,
  'POST /api/v1/webhooks': ADMIN,
  'DELETE /api/v1/webhooks/:id': ADMIN,
  'POST /api/v1/webhooks/:id/rotate': ADMIN,
  'POST /api/v1/webhooks/:id/enable': ADMIN,
  'GET /api/v1/webhooks/:id/deliveries': GOVERN,
  'POST /api/v1/webhooks/:id/deliveries/:delivery/redeliver': ADMIN,

  // Prometheus metrics: a viewer token (counts and durations, no names of people or objects).
  'GET /metrics': READ,

  // Tokens grant roles: only an admin hands them out, lists or revokes them.
  'GET /api/v1/tokens': ADMIN,
  'POST /api/v1/tokens': ADMIN,
  'DELETE /api/v1/tokens/:name': ADMIN,
};

/** The table's key of a route: `GET /api/v1/connections/:name` (HEAD is looked up as GET). */
export function routeKey(method: string, url: string): string {
  return `${method === 'HEAD' ? 'GET' : method} ${url}`;
}

/** The rule of a route, or undefined when the table has none. */
export function ruleOf(method: string, url: string): RouteRule | undefined {
  return ROUTE_ACCESS[routeKey(method, url)];
}
