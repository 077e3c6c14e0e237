import pg from 'pg';
import { StewardError } from '../../domain/errors.js';
import type { CheckReport, ParsedUrl, Platform, PlatformSession } from '../platform.js';
import { parseUrl as parsePostgresUrl } from '../postgres/url.js';
import { quoteIdent } from '../postgres/quote.js';
import { redshiftPrincipalName } from './principal-name.js';

/**
 * Amazon Redshift. Connections are accepted, validated and verified now; object sync and the
 * view-based enforcement PRODUCT.md describes come with their own issue. Until then every
 * operation past connecting says so plainly instead of pretending.
 */
function parseUrl(url: string): ParsedUrl {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url.trim());
  const scheme = m?.[1]?.toLowerCase();
  if (scheme !== 'redshift' && scheme !== 'postgres' && scheme !== 'postgresql') {
    throw new StewardError('invalid_input', `url: scheme must be redshift://, postgres:// or postgresql://${scheme ? `, not ${scheme}://` : ''}`, {
      hint: 'expected redshift://user:password@cluster.region.redshift.amazonaws.com:5439/dev',
      details: { field: 'url' },
    });
  }
  const asPg = url.trim().replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, 'postgres://');
  const hasPort = /^postgres:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*):\d/.test(asPg);
  const parsed = parsePostgresUrl(asPg);
  const port = hasPort ? parsed.port : 5439;
  return { ...parsed, port, redacted: parsed.redacted.replace(/^postgres:\/\//, `${scheme}://`) };
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
    principalName: redshiftPrincipalName,
  },
  parseUrl,
  quoteIdent,
  compile() {
    throw unsupported('plan compilation');
  },
  async connect(spec): Promise<PlatformSession> {
    const p = parseUrl(spec.url);
    const client = new pg.Client({
      connectionString: spec.url.trim().replace(/^redshift:\/\//i, 'postgres://'),
      port: p.port,
      connectionTimeoutMillis: 10_000,
    });
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
      execute: () => Promise.reject(unsupported('apply')),
      close: async () => {
        await client.end();
      },
    };
  },
};
