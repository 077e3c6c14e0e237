import type { Command } from 'commander';
import { table } from '../output.js';
import { run } from '../run.js';

export function registerOwner(program: Command): void {
  const o = program.command('owner').description('data owners: a user owns a subtree of the catalog and may tag it with an owner token');

  o.command('add')
    .argument('<user>', 'Steward user')
    .argument('<path>', 'connection[/database[/schema[/table]]]')
    .description('make USER owner of PATH and everything below it')
    .action(async (user: string, path: string, _o: unknown, cmd: Command) => {
      await run(cmd, async (client, out) => {
        await client.addOwner(user, path);
        out.result({ user, path }, () => `${user} owns ${path}`);
      });
    });

  o.command('list')
    .option('--user <user>', 'only what this user owns')
    .description('who owns what')
    .action(async (f: { user?: string }, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const list = await client.listOwners(f.user === undefined ? {} : { user: f.user });
        out.result(list, () => (list.length === 0 ? 'no data owners' : table(['USER', 'PATH'], list.map((x) => [x.user, x.path]))));
      });
    });

  o.command('remove')
    .argument('<user>')
    .argument('<path>')
    .description("remove USER's ownership of PATH")
    .action(async (user: string, path: string, _o: unknown, cmd: Command) => {
      await run(cmd, async (client, out) => {
        await client.removeOwner(user, path);
        out.result({ user, path, removed: true }, () => `${user} no longer owns ${path}`);
      });
    });
}
