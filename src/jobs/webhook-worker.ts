/**
 * One attempt at one webhook delivery. The body is fixed by the event (`{ type, timestamp,
 * data }`); each attempt is signed afresh with the current secret (and the previous one during
 * a rotation's grace period). 2xx: delivered. 410: the endpoint is disabled. Anything else
 * (other status, timeout, refused): retried after the next delay of the schedule, then failed.
 * Every attempt is kept with its response code and the start of the response body.
 */
import { redactSecrets } from '../domain/errors.js';
import { webhookBody } from '../services/webhook-events.js';
import { postWebhook } from '../services/webhook-sender.js';
import { webhookHeaders } from '../services/webhook-signing.js';
import { eventsRepo } from '../store/events-repo.js';
import { webhooksRepo } from '../store/webhooks-repo.js';
import type { JobContext } from './context.js';
import { QUEUES, bossDb } from './queue.js';

export interface WebhookJob {
  readonly delivery: string;
  /** 1 for the first attempt (or a manual redelivery), then 2, 3… */
  readonly attempt: number;
}

export type WebhookResult = 'delivered' | 'retrying' | 'failed' | 'gone' | 'skipped';

export function createWebhookWorker(ctx: JobContext) {
  const db = ctx.services.db;

  async function run(job: WebhookJob): Promise<WebhookResult> {
    const delivery = await webhooksRepo.delivery(db, job.delivery);
    if (!delivery) return 'skipped';
    const hook = await webhooksRepo.get(db, delivery.webhookId);
    const event = await eventsRepo.get(db, delivery.eventId);
    if (!hook || !event) return 'skipped';
    if (!hook.enabled) {
      await webhooksRepo.setDeliveryStatus(db, delivery.id, 'skipped');
      return 'skipped';
    }
    const body = webhookBody(event.type, event.createdAt, event.data);
    const now = new Date();
    const headers = webhookHeaders(await ctx.services.webhooks.signingSecrets(hook, now), delivery.id, Math.floor(now.getTime() / 1000), body);
    const res = await postWebhook(new URL(hook.url), headers, body, { timeoutMs: ctx.opts.webhooks.timeoutMs, allowPrivate: ctx.opts.webhooks.allowPrivate });
    const ok = res.status !== null && res.status >= 200 && res.status < 300;
    const gone = res.status === 410;
    const delays = ctx.opts.webhooks.retryDelaysMs;
    const retryIn = !ok && !gone && job.attempt <= delays.length ? delays[job.attempt - 1]! : null;
    const status: WebhookResult = ok ? 'delivered' : gone ? 'gone' : retryIn !== null ? 'retrying' : 'failed';
    const attempt = {
      responseCode: res.status,
      ok,
      durationMs: res.ms,
      responseExcerpt: res.excerpt,
      error: res.error === null ? (ok ? null : `HTTP ${res.status}`) : redactSecrets(res.error),
    };
    await db.transaction(async (tx) => {
      await webhooksRepo.recordAttempt(tx, delivery.id, attempt, { status, nextAttemptAt: retryIn === null ? null : new Date(Date.now() + retryIn) });
      if (gone) await webhooksRepo.setEnabled(tx, hook.id, false, 'the endpoint answered 410 Gone');
      if (retryIn !== null) {
        const next: WebhookJob = { delivery: delivery.id, attempt: job.attempt + 1 };
        await ctx.boss.send(QUEUES.webhook, next, { startAfter: retryIn / 1000, db: bossDb(tx) });
      }
    });
    if (retryIn !== null) ctx.wake(QUEUES.webhook, retryIn);
    ctx.metrics.webhookAttempt(ok ? 'delivered' : gone ? 'gone' : 'failed');
    if (!ok) ctx.log(`webhook ${hook.id} ${delivery.id} attempt ${job.attempt}: ${attempt.error ?? 'failed'}${retryIn !== null ? `, retry in ${retryIn / 1000} s` : ''}`);
    return status;
  }

  return { run };
}
