import { StewardError } from '../../domain/errors.js';
import type { CheckReport, ParsedUrl, Platform, PlatformSession } from '../platform.js';
import { parsePostgresUrl } from '../postgres/url.js';
import { loadPg } from '../postgres/load-pg.js';
import { quoteIdent } from '../postgres/quote.js';
import { redshiftPrincipalName } from './principal-name.js';

/**
 * Amazon Redshift. Connections are accepted, validated and verified now; object sync and
 * enforcement come with their own issue. Until then every operation past connecting says so
 * plainly instead of pretending.
 */
const REDSHIFT = { schemes: ['redshift', 'postgres', 'postgresql'], defaultPort: 5439 } as const;

/** Redshift speaks the PostgreSQL protocol: the same parsing and redaction, port 5439 by default. */
function parseUrl(url: string): ParsedUrl {
  return parsePostgresUrl(url, REDSHIFT).parsed;
}

const unsupported = (what: string): StewardError =>
  new StewardError('unsupported', `Redshift ${what} is not implemented yet`, {
    hint: 'the connection is stored and verified; Redshift sync and enforcement arrive with the Redshift issue',
  });

export const redshiftPlatform: Platform = {
  type: 'redshift',
  capabilities: {
    hierarchy: ['database', 'schema', 'table'],
    transactionalDdl: true,
    singleActiveRole: false,
    defaultRoles: false,
    maxRoleNameLength: 127,
    readPrivileges: ['SELECT'],
    writePrivileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    containerPrivileges: { database: [], schema: ['USAGE'] },
    defaultPrivileges: true,
    principalsAreAccounts: false,
    sequencePrivileges: false,
    principalName: redshiftPrincipalName,
  },
  parseUrl,
  quoteIdent,
  compile() {
    throw unsupported('plan compilation');
  },
  async connect(spec): Promise<PlatformSession> {
    const { parsed: p, config } = parsePostgresUrl(spec.url, REDSHIFT);
    const pg = await loadPg();
    const client = new pg.Client({ ...config, connectionTimeoutMillis: 10_000 });
    // A connection the cluster drops while idle emits 'error'; unheard, that would end the
    // process. The next use of the session fails with it instead.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
    } catch (err) {
      await client.end().catch(() => undefined);
      const code = (err as { code?: string }).code ?? '';
      throw new StewardError('connection_failed', `cannot connect to ${p.host}:${p.port} (${code || 'error'})`, {
        hint: 'check the host, port, user, password and that the cluster accepts connections from here',
      });
    }
    return {
      introspect: () => Promise.reject(unsupported('object sync')),
      check: (): Promise<CheckReport> => Promise.reject(unsupported('privilege check')),
      readActualState: () => Promise.reject(unsupported('actual-state reading')),
      lock: () => Promise.reject(unsupported('apply')),
      execute: () => Promise.reject(unsupported('apply')),
      close: async () => {
        await client.end();
      },
    };
  },
};
