import type { Command } from 'commander';
import type { SyncReport } from '../../catalog/sync-service.js';
import { wholeNumber } from '../args.js';
import { table } from '../output.js';
import { run } from '../run.js';

const LIST_LIMIT = 20;

export function registerCatalog(program: Command): void {
  program
    .command('catalog')
    .argument('[path]', 'connection, database, schema, table or column path')
    .option('--limit <n>', 'children per page', '200')
    .option('--after <name>', 'continue after this child name (paging)')
    .option('--removed', 'include objects that vanished from the database')
    .option('--search <text>', 'find objects and columns whose name contains TEXT (in PATH\'s connection if given)')
    .description('the synced objects under PATH')
    .action(async (path: string | undefined, o: Record<string, unknown>, cmd: Command) => {
      let limit = 200;
      const check = (): void => {
        limit = wholeNumber('--limit', String(o.limit), { max: 1000 });
      };
      await run(cmd, async (client, out) => {
        if (typeof o.search === 'string') {
          const found = await client.search(o.search, { ...(path ? { connection: path.split('/')[0]! } : {}), limit });
          out.result(found, () => (found.length === 0 ? 'nothing found' : table(['KIND', 'PATH'], found.map((x) => [x.kind, x.path]))));
          return;
        }
        const r = await client.browse(path ?? null, { limit, after: (o.after as string | undefined) ?? null, includeRemoved: o.removed === true });
        out.result(r, () => {
          const lines: string[] = [];
          if (r.object) {
            const ob = r.object;
            lines.push(`${ob.path}  (${ob.kind}${ob.type ? ` ${ob.type}${ob.nullable === false ? ' not null' : ''}` : ''})`);
            if (ob.owner) lines.push(`owner: ${ob.owner}`);
            if (ob.comment && ob.kind !== 'connection') lines.push(`comment: ${ob.comment}`);
            if (ob.tags && ob.tags.length > 0) lines.push(`tags: ${ob.tags.join(', ')}`);
            if (ob.removedAt) lines.push(`removed: ${ob.removedAt}`);
          }
          if (r.children.length > 0) {
            if (lines.length > 0) lines.push('');
            lines.push(
              table(
                ['KIND', 'NAME', 'DETAIL'],
                r.children.map((c) => [
                  c.kind,
                  c.name,
                  [c.type, c.columns !== undefined ? `${c.columns} columns` : '', c.tags && c.tags.length > 0 ? `tags: ${c.tags.join(',')}` : '', c.removedAt ? `removed ${c.removedAt}` : '']
                    .filter(Boolean)
                    .join('  '),
                ]),
              ),
            );
          }
          if (r.next) lines.push('', `more: steward catalog ${path ?? ''} --after ${JSON.stringify(r.next)}`);
          return lines.join('\n');
        });
      }, { check });
    });

  program
    .command('sync')
    .argument('[connection]', 'connection to sync (default: all)')
    .option('--path <path>', 'sync only this subtree (connection/database[/schema[/table]])')
    .description('object sync now; prints added / changed / removed')
    .action(async (connection: string | undefined, o: Record<string, unknown>, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const path = o.path as string | undefined;
        const names = connection ? [connection] : path ? [path.split('/')[0]!] : (await client.listConnections()).map((c) => c.name);
        const reports: SyncReport[] = [];
        for (const name of names) {
          if (!out.json) out.info(`syncing ${name}…`);
          reports.push(await client.sync(name, path));
        }
        out.result(reports, () =>
          reports
            .map((r) => {
              const lines = [`${r.connection}: ${r.objects} objects in ${r.ms} ms — ${r.added.length} added, ${r.changed.length} changed, ${r.removed.length} removed`];
              for (const [sign, list] of [['+', r.added], ['~', r.changed], ['-', r.removed]] as const) {
                for (const ch of list.slice(0, LIST_LIMIT)) lines.push(`  ${sign} ${ch.kind} ${ch.path}`);
                if (list.length > LIST_LIMIT) lines.push(`  ${sign} … and ${list.length - LIST_LIMIT} more (use --json for all)`);
              }
              return lines.join('\n');
            })
            .join('\n'),
        );
      }, { heavy: true });
    });
}
