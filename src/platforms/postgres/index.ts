import type { Platform } from '../platform.js';
import { postgresCapabilities } from './capabilities.js';
import { compile } from './compile.js';
import { openPgClients } from './pg-clients.js';
import { quoteIdent } from './quote.js';
import { createPostgresSession } from './session.js';
import { parseUrl } from './url.js';
import { postgresSecureViews } from './secure-views.js';

/** The PostgreSQL platform: pg.Client per database, pg_catalog introspection, ACL-based state. */
export const postgresPlatform: Platform = {
  type: 'postgres',
  capabilities: postgresCapabilities,
  parseUrl,
  quoteIdent,
  compile,
  secureViews: postgresSecureViews,
  async connect(spec) {
    const parsed = parseUrl(spec.url);
    const clients = await openPgClients(spec.url, parsed);
    return createPostgresSession({
      clientFor: (database) => clients.clientFor(database),
      defaultDatabase: clients.defaultDatabase,
      options: spec.options,
      connectionName: spec.name,
      close: () => clients.close(),
    });
  },
};

export { createPostgresSession, type PostgresSessionDeps } from './session.js';
export { createPgliteSession } from './pglite-client.js';
export type { Queryable } from './queryable.js';
