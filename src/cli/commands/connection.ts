import { StewardError } from '../../domain/errors.js';
import type { Command } from 'commander';
import { table } from '../output.js';
import { collect, run } from '../run.js';
import { readSecret } from '../secret-input.js';
import type { ConnectionInput } from '../../services/connection-service.js';

interface AddFlags {
  type: string;
  url?: string;
  urlEnv?: string;
  protect: string[];
  database: string[];
  principalTemplate?: string;
  drift?: 'enforce' | 'report';
  mode?: 'enforce' | 'notify';
  hostPattern?: string;
  ignoreGrantee: string[];
  verify: boolean;
}

export function registerConnection(program: Command): void {
  const c = program.command('connection').description('register and inspect database connections');

  c.command('add')
    .argument('<name>', 'connection name: lowercase letters and digits, words joined by single "_", starting with a letter')
    .requiredOption('--type <type>', 'postgres | mysql | mariadb | redshift')
    .option('--url-env <var>', 'read the URL (with the system account password) from this environment variable')
    .option('--url <url>', 'the URL itself; "-" reads it from standard input; omitted on a terminal: asked for, not echoed')
    .option('--protect <glob>', 'path glob under governance (repeatable)', collect, [])
    .option('--database <name>', 'database to sync (repeatable; default: all it can reach)', collect, [])
    .option('--principal-template <template>', 'principal of users without a mapping: {user}, {email}, {email.local}')
    .option('--drift <mode>', 'enforce | report')
    .option('--mode <mode>', 'enforce | notify (plan and record, run nothing)')
    .option('--host-pattern <host>', 'MySQL/MariaDB account host of governed users (default %)')
    .option('--ignore-grantee <name>', 'grantee whose grants on protected objects are never revoked: an ETL job, an owner\'s helper role (repeatable)', collect, [])
    .option('--no-verify', 'store without connecting first')
    .description('register a connection after checking that it works')
    .action(async (name: string, o: AddFlags, cmd: Command) => {
      let input: ConnectionInput | null = null;
      // The definition is checked before the store is opened: a refused one leaves no data directory.
      const check = async (): Promise<void> => {
        const url = await readSecret('--url', { ...(o.url !== undefined ? { value: o.url } : {}), ...(o.urlEnv !== undefined ? { env: o.urlEnv } : {}) });
        const databases = o.database;
        input = {
          name,
          type: o.type,
          url,
          options: {
            protect: o.protect,
            databases: databases.length > 0 ? databases : null,
            ...(o.principalTemplate ? { principalTemplate: o.principalTemplate } : {}),
            ...(o.drift ? { drift: o.drift } : {}),
            ...(o.mode ? { mode: o.mode } : {}),
            ...(o.hostPattern ? { hostPattern: o.hostPattern } : {}),
            ...(o.ignoreGrantee.length > 0 ? { ignoreGrantees: o.ignoreGrantee } : {}),
          },
        };
        const [{ validateConnection }, { PLATFORMS }] = await Promise.all([import('../../services/connection-service.js'), import('../../platforms/registry.js')]);
        validateConnection(input, PLATFORMS);
      };
      await run(cmd, async (client, out) => {
        const view = await client.addConnection(input!, { verify: o.verify !== false });
        out.result(view, () => `added connection ${view.name} (${view.type} ${view.url})`);
      }, { check });
    });

  c.command('list')
    .description('list registered connections')
    .action(async (_o: unknown, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const list = await client.listConnections();
        out.result(list, () =>
          list.length === 0 ? 'no connections; add one with: steward connection add NAME --type postgres --url URL' : table(['NAME', 'TYPE', 'URL', 'PROTECT'], list.map((x) => [x.name, x.type, x.url, x.options.protect.join(', ')])),
        );
      });
    });

  c.command('remove')
    .argument('<name>')
    .option('--revoke', "first take away everything Steward holds in the database: its roles, their grants and memberships, default privileges and default roles, and the secure views, view schemas or databases and system schema or database it made for data policies (grants and objects of others are not touched)")
    .option('--keep', 'leave what Steward holds in the database in place (refused otherwise while it holds anything)')
    .description('forget a connection and its catalog; says what Steward leaves in the database, or with --revoke takes it away')
    .action(async (name: string, o: { revoke?: boolean; keep?: boolean }, cmd: Command) => {
      await run(cmd, async (client, out) => {
        if (o.revoke === true && o.keep === true) throw new StewardError('invalid_input', '--revoke and --keep: choose one', { hint: '--revoke takes Steward out of the database, --keep leaves it' });
        const r = await client.removeConnection(name, { ...(o.revoke === true ? { revoke: true } : {}), ...(o.keep === true ? { keep: true } : {}) });
        out.result(r, () => {
          const lines = [`removed connection ${name}`];
          const f = r.footprint;
          const gone = f?.viewObjects.filter((o) => o.removable) ?? [];
          const stays = f?.viewObjects.filter((o) => !o.removable) ?? [];
          if (r.teardown) {
            lines.push(`  revoked what Steward held there: ${r.teardown.statements} statements (audit event ${r.teardown.auditId ?? '-'})`);
            if (gone.length > 0) lines.push(`  dropped what Steward made for data policies: ${gone.map((o) => `${o.what} ${o.path}`).join(', ')}`);
            for (const o of stays) lines.push(`  left the ${o.what} ${o.path}: ${o.reason ?? 'not Steward\'s alone'} (and the role that owns it)`);
          } else if (f === null) {
            lines.push(`  could not look at what Steward left in the database: ${r.footprintError ?? 'unknown error'}`);
            lines.push('  roles named like the connection\'s role prefix (steward_<connection>__…) may remain there');
          } else if (f.roles + f.grants + f.memberships + f.defaultGrants + f.defaultRoles + f.viewObjects.length === 0) {
            lines.push('  Steward left nothing in the database');
          } else {
            lines.push(
              `  left in the database: ${f.roles} Steward roles holding ${f.grants} grants, ${f.memberships} memberships, ${f.defaultGrants} default privileges, ${f.defaultRoles} default roles`,
            );
            if (f.viewObjects.length > 0) {
              lines.push(`  and what Steward made for data policies: ${f.secureViews} secure views, ${f.viewObjects.length - f.secureViews} schemas or databases:`);
              for (const o of f.viewObjects) lines.push(`    ${o.what} ${o.path}`);
            }
            lines.push('  left in place (--keep): they keep working as they are');
          }
          return lines.join('\n');
        });
      });
    });

  c.command('check')
    .argument('<name>')
    .description("connect and report the system account's missing privileges, with the SQL to grant them")
    .action(async (name: string, _o: unknown, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const r = await client.checkConnection(name);
        const missing = [...r.sync, ...r.enforcement].filter((x) => !x.ok);
        out.result(r, () => {
          const lines = [`${name}: connected as ${r.user} (${r.serverVersion})`, `databases: ${r.databases.join(', ') || '(none)'}`, ''];
          const section = (title: string, checks: typeof r.sync): void => {
            lines.push(`${title}:`);
            for (const ch of checks) lines.push(`  ${ch.ok ? 'ok     ' : 'MISSING'} ${ch.what}${ch.detail ? ` — ${ch.detail}` : ''}`);
          };
          section('object sync', r.sync);
          section('enforcement', r.enforcement);
          if (r.grantSql.length > 0) lines.push('', 'an administrator can supply exactly what is missing with:', ...r.grantSql.map((s) => `  ${s}`));
          else lines.push('', 'nothing is missing');
          if (r.excess && r.excess.length > 0) {
            lines.push('', 'held beyond what Steward needs (consider revoking):');
            for (const e of r.excess) lines.push(`  ${e.what}${e.detail ? ` — ${e.detail}` : ''}`);
          }
          if (r.notes && r.notes.length > 0) lines.push('', 'notes (what these privileges allow, what Steward cannot do):', ...r.notes.map((n) => `  - ${n}`));
          return lines.join('\n');
        });
        return missing.length > 0 ? 3 : 0;
      });
    });
}
