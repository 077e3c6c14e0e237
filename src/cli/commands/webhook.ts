import type { Command } from 'commander';
import { parseDuration } from '../../domain/duration.js';
import { WEBHOOK_EVENT_TYPES } from '../../services/webhook-events.js';
import { table } from '../output.js';
import { collect, run } from '../run.js';

/** `steward webhook add|list|remove|rotate|enable|deliveries|redeliver` (Standard Webhooks). */
export function registerWebhook(program: Command): void {
  const webhook = program.command('webhook').description('signed HTTP notifications of access changes, drift, health and more');

  webhook
    .command('add')
    .argument('<url>', 'receiver URL (https; loopback/private addresses need serve --allow-private-webhooks)')
    .option('--event <type>', `event type, repeatable: ${WEBHOOK_EVENT_TYPES.join(', ')}, or * for all`, collect, [])
    .description('register an endpoint; prints its signing secret once')
    .action(async (url: string, o: { event: string[] }, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const w = await client.addWebhook({ url, events: o.event });
        out.result(w, () => `webhook ${w.id} → ${w.url} (${w.events.join(', ')})\nsigning secret (shown once, keep it safe):\n  ${w.secret}`);
      });
    });

  webhook.command('list').description('list endpoints').action(async (_o: unknown, cmd: Command) => {
    await run(cmd, async (client, out) => {
      const list = await client.listWebhooks();
      out.result(list, () =>
        table(['ID', 'URL', 'EVENTS', 'ENABLED', 'NOTE'], list.map((w) => [
          w.id, w.url, w.events.join(','), w.enabled ? 'yes' : 'no',
          w.disabledReason ?? (w.previousSecretValidUntil ? `old secret valid until ${w.previousSecretValidUntil}` : ''),
        ])),
      );
    });
  });

  webhook.command('remove').argument('<id>').description('remove an endpoint').action(async (id: string, _o: unknown, cmd: Command) => {
    await run(cmd, async (client, out) => {
      await client.removeWebhook(id);
      out.result({ removed: id }, () => `removed webhook ${id}`);
    });
  });

  webhook
    .command('rotate')
    .argument('<id>')
    .option('--grace <duration>', 'how long the old secret keeps signing beside the new one', '24h')
    .description('new signing secret (printed once); deliveries carry both signatures during the grace period')
    .action(async (id: string, o: { grace: string }, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const r = await client.rotateWebhookSecret(id, parseDuration('--grace', o.grace));
        out.result(r, () => `new signing secret (shown once):\n  ${r.secret}\nthe old one signs too until ${r.previousSecretValidUntil}`);
      });
    });

  webhook.command('enable').argument('<id>').description('turn a disabled endpoint (it answered 410 Gone) back on').action(async (id: string, _o: unknown, cmd: Command) => {
    await run(cmd, async (client, out) => {
      const w = await client.enableWebhook(id);
      out.result(w, () => `enabled webhook ${id}`);
    });
  });

  webhook
    .command('deliveries')
    .argument('<id>')
    .option('--limit <n>', 'how many, newest first', '50')
    .description('delivery history: status, attempts, response code and body excerpt')
    .action(async (id: string, o: { limit: string }, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const list = await client.webhookDeliveries(id, Number(o.limit));
        out.result(list, () =>
          table(['DELIVERY', 'TYPE', 'STATUS', 'ATTEMPTS', 'CODE', 'LAST ATTEMPT', 'RESPONSE'], list.map((d) => {
            const last = d.history.at(-1);
            return [d.id, d.type, d.status, d.attempts, d.responseCode ?? '', d.lastAttemptAt ?? '', (last?.error ?? last?.responseExcerpt ?? '').slice(0, 60)];
          })),
        );
      });
    });

  webhook
    .command('redeliver')
    .argument('<id>')
    .argument('<delivery>')
    .description('send a delivery again (same message id, fresh signature)')
    .action(async (id: string, delivery: string, _o: unknown, cmd: Command) => {
      await run(cmd, async (client, out) => {
        await client.redeliverWebhook(id, delivery);
        out.result({ redelivering: delivery }, () => `redelivery of ${delivery} queued`);
      });
    });
}
