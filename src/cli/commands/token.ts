import type { Command } from 'commander';
import { invalidInput } from '../../domain/errors.js';
import { ROLES } from '../../domain/roles.js';
import { parseDuration } from '../../domain/duration.js';
import { table } from '../output.js';
import { run } from '../run.js';

/** `--expires`: a duration from now (`30d`, `12h`) or a date-time (`2027-01-31T00:00:00Z`). */
export function expiryOf(text: string, now = Date.now()): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const d = new Date(text);
    if (Number.isNaN(d.getTime())) throw invalidInput('--expires', `"${text}" is not a date-time`, 'write a duration like 30d or a date-time like 2027-01-31T00:00:00Z');
    return d;
  }
  const hint = 'write a duration like 30d or 12h, or a date-time like 2027-01-31T00:00:00Z; leave --expires out for a token that does not expire';
  if (!/^\d/.test(text)) throw invalidInput('--expires', `"${text}" is not a duration`, hint);
  const ms = parseDuration('--expires', text);
  if (ms <= 0) throw invalidInput('--expires', `"${text}" is not in the future`, hint);
  return new Date(now + ms);
}

export function registerToken(program: Command): void {
  const t = program.command('token').description('API tokens with roles: admin, governor, owner, viewer, scim');

  t.command('create')
    .argument('<name>', 'token name (unique among tokens not revoked)')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--user <user>', 'the Steward user the token acts as (required for owner)')
    .option('--expires <when>', 'a duration (30d, 12h) or a date-time; default: never')
    .description('make a token; it is printed once, only its hash is kept')
    .action(async (name: string, o: { role: string; user?: string; expires?: string }, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const created = await client.createToken({
          name,
          role: o.role,
          ...(o.user !== undefined ? { user: o.user } : {}),
          ...(o.expires !== undefined ? { expiresAt: expiryOf(o.expires) } : {}),
        });
        out.result(created, () =>
          [
            `created token ${created.name} (role ${created.role}${created.user ? `, acts as user ${created.user}` : ''}, ${created.expiresAt ? `expires ${created.expiresAt}` : 'does not expire'})`,
            'shown once, keep it safe:',
            `  ${created.token}`,
          ].join('\n'),
        );
      });
    });

  t.command('list')
    .description('list tokens (never the tokens themselves)')
    .action(async (_o: unknown, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const list = await client.listTokens();
        out.result(list, () =>
          table(
            ['NAME', 'ROLE', 'USER', 'STATUS', 'EXPIRES', 'LAST USED', 'CREATED BY'],
            list.map((x) => [x.name, x.role, x.user ?? '', x.status, x.expiresAt ?? 'never', x.lastUsedAt ?? 'never', x.createdBy ?? '']),
          ),
        );
      });
    });

  t.command('revoke')
    .argument('<name>')
    .description('revoke a token: it stops working at once')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const r = await client.revokeToken(name);
        out.result(r, () => `revoked token ${r.name}`);
      });
    });
}
