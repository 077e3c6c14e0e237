import type { Command } from 'commander';
import { invalidInput } from '../../domain/errors.js';
import { table } from '../output.js';
import { collect, run } from '../run.js';

interface AddFlags {
  type: string;
  url: string;
  protect: string[];
  database: string[];
  principalTemplate?: string;
  drift?: 'enforce' | 'report';
  mode?: 'enforce' | 'notify';
  hostPattern?: string;
  verify: boolean;
}

export function registerConnection(program: Command): void {
  const c = program.command('connection').description('register and inspect database connections');

  c.command('add')
    .argument('<name>', 'connection name (lowercase, digits, _ and -)')
    .requiredOption('--type <type>', 'postgres | mysql | mariadb | redshift')
    .requiredOption('--url <url>', 'URL with the system account credentials (stored encrypted, never shown)')
    .option('--protect <glob>', 'path glob under governance (repeatable)', collect, [])
    .option('--database <name>', 'database to sync (repeatable; default: all it can reach)', collect, [])
    .option('--principal-template <template>', 'principal of users without a mapping: {user}, {email}, {email.local}')
    .option('--drift <mode>', 'enforce | report')
    .option('--mode <mode>', 'enforce | notify (plan and record, run nothing)')
    .option('--host-pattern <host>', 'MySQL/MariaDB account host of governed users (default %)')
    .option('--no-verify', 'store without connecting first')
    .description('register a connection after checking that it works')
    .action(async (name: string, o: AddFlags, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const protect = o.protect;
        const databases = o.database;
        if (o.url === '') throw invalidInput('--url', 'is empty', 'pass the connection URL');
        const view = await client.addConnection(
          {
            name,
            type: o.type,
            url: o.url,
            options: {
              protect,
              databases: databases.length > 0 ? databases : null,
              ...(o.principalTemplate ? { principalTemplate: o.principalTemplate } : {}),
              ...(o.drift ? { drift: o.drift } : {}),
              ...(o.mode ? { mode: o.mode } : {}),
              ...(o.hostPattern ? { hostPattern: o.hostPattern } : {}),
            },
          },
          { verify: o.verify !== false },
        );
        out.result(view, () => `added connection ${view.name} (${view.type} ${view.url})`);
      });
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
    .description('forget a connection and its catalog (grants already made in the database stay)')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      await run(cmd, async (client, out) => {
        await client.removeConnection(name);
        out.result({ removed: name }, () => `removed connection ${name}`);
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
          if (r.grantSql.length > 0) lines.push('', 'an admin can grant exactly what is missing with:', ...r.grantSql.map((s) => `  ${s}`));
          else lines.push('', 'nothing is missing');
          if (r.excess && r.excess.length > 0) {
            lines.push('', 'held beyond what Steward needs (consider revoking):');
            for (const e of r.excess) lines.push(`  ${e.what}${e.detail ? ` — ${e.detail}` : ''}`);
          }
          if (r.notes && r.notes.length > 0) lines.push('', 'what these privileges allow:', ...r.notes.map((n) => `  - ${n}`));
          return lines.join('\n');
        });
        return missing.length > 0 ? 3 : 0;
      });
    });
}
