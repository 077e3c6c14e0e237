import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { invalidInput } from '../../domain/errors.js';
import { table } from '../output.js';
import { collect, run } from '../run.js';

function pairs(flag: string, list: string[]): [string, string][] {
  return list.map((kv) => {
    const i = kv.indexOf('=');
    if (i <= 0) throw invalidInput(flag, `"${kv}" is not KEY=VALUE`, `write it like ${flag} region=eu`);
    return [kv.slice(0, i), kv.slice(i + 1)];
  });
}

export function registerIdentities(program: Command): void {
  const user = program.command('user').description('Steward users, their groups, attributes and database principals');
  user
    .command('put')
    .argument('<name>')
    .option('--email <email>')
    .option('--group <group>', 'group membership (repeatable)', collect, [])
    .option('--attr <key=value>', 'attribute value (repeatable; repeat a key for several values)', collect, [])
    .option('--principal <connection=login>', 'database login on a connection (repeatable)', collect, [])
    .description('create or replace a user')
    .action(async (name: string, o: { email?: string; group: string[]; attr: string[]; principal: string[] }, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const attributes: Record<string, string[]> = {};
        for (const [k, v] of pairs('--attr', o.attr)) (attributes[k] ??= []).push(v);
        const principals = Object.fromEntries(pairs('--principal', o.principal));
        await client.putUser({ name, email: o.email ?? null, groups: [...new Set(o.group)].sort(), attributes, principals });
        out.result({ user: name }, () => `stored user ${name}`);
      });
    });
  user.command('list').description('list users').action(async (_o: unknown, cmd: Command) => {
    await run(cmd, async (client, out) => {
      const users = await client.listUsers();
      out.result(users, () =>
        table(['NAME', 'EMAIL', 'GROUPS', 'ATTRIBUTES', 'PRINCIPALS', 'SOURCE'], users.map((u) => [
          u.name, u.email ?? '', u.groups.join(','),
          Object.entries(u.attributes).map(([k, v]) => `${k}=${v.join('|')}`).join(' '),
          Object.entries(u.principals).map(([k, v]) => `${k}:${v}`).join(' '), u.source,
        ])),
      );
    });
  });
  user.command('remove').argument('<name>').description('delete a user').action(async (name: string, _o: unknown, cmd: Command) => {
    await run(cmd, async (client, out) => {
      await client.deleteUser(name);
      out.result({ removed: name }, () => `removed user ${name} (run apply to revoke their access)`);
    });
  });

  const group = program.command('group').description('groups');
  group.command('add').argument('<name>').action(async (name: string, _o: unknown, cmd: Command) => {
    await run(cmd, async (client, out) => {
      await client.addGroup(name);
      out.result({ group: name }, () => `added group ${name}`);
    });
  });
  group.command('list').action(async (_o: unknown, cmd: Command) => {
    await run(cmd, async (client, out) => {
      const groups = await client.listGroups();
      out.result(groups, () => table(['NAME', 'MEMBERS', 'SOURCE'], groups.map((g) => [g.name, g.members, g.source])));
    });
  });
  group.command('remove').argument('<name>').action(async (name: string, _o: unknown, cmd: Command) => {
    await run(cmd, async (client, out) => {
      await client.deleteGroup(name);
      out.result({ removed: name }, () => `removed group ${name}`);
    });
  });

  const policy = program.command('policy').description('subscription policies, guardrails and data policies');
  policy.command('list').action(async (_o: unknown, cmd: Command) => {
    await run(cmd, async (client, out) => {
      const list = await client.listPolicies();
      out.result(list, () => table(['NAME', 'TYPE', 'SOURCE', 'UPDATED'], list.map((p) => [p.policy.name, p.policy.type, p.source, p.updatedAt])));
    });
  });
  policy
    .command('put')
    .requiredOption('-f, --file <file>', 'one policy as YAML or JSON')
    .description('create or replace one policy')
    .action(async (o: { file: string }, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const { parse: parseYaml } = await import('yaml');
        let doc: unknown;
        try {
          doc = parseYaml(readFileSync(o.file, 'utf8'));
        } catch (err) {
          throw invalidInput('-f', `${o.file}: ${(err as Error).message.split('\n')[0]}`, 'pass a YAML or JSON file holding one policy');
        }
        const p = await client.putPolicy(doc);
        out.result(p, () => `stored policy ${p.name}`);
      });
    });
  policy.command('remove').argument('<name>').action(async (name: string, _o: unknown, cmd: Command) => {
    await run(cmd, async (client, out) => {
      await client.deletePolicy(name);
      out.result({ removed: name }, () => `removed policy ${name} (run apply to enforce)`);
    });
  });

  const tag = program.command('tag').description('tags on objects and columns');
  tag.command('add').argument('<path>').argument('<tag>').action(async (path: string, t: string, _o: unknown, cmd: Command) => {
    await run(cmd, async (client, out) => {
      await client.tag(path, t);
      out.result({ path, tag: t }, () => `tagged ${path} ${t}`);
    });
  });
  tag.command('remove').argument('<path>').argument('<tag>').action(async (path: string, t: string, _o: unknown, cmd: Command) => {
    await run(cmd, async (client, out) => {
      await client.untag(path, t);
      out.result({ path, tag: t, removed: true }, () => `untagged ${path} ${t}`);
    });
  });
  tag.command('list').argument('[connection]').action(async (connection: string | undefined, _o: unknown, cmd: Command) => {
    await run(cmd, async (client, out) => {
      const tags = await client.listTags(connection);
      out.result(tags, () => table(['CONNECTION', 'PATH', 'TAG', 'SOURCE'], tags.map((x) => [x.connection, x.path, x.tag, x.source])));
    });
  });
}
