/**
 * Turns the outbox into work: each pending event, claimed once cluster-wide, becomes reconcile
 * requests for the connections it affects, an expiry job for a policy that will expire, and one
 * webhook delivery per subscribed endpoint. Jobs are created in the transaction that marks the
 * events dispatched, so an event is never dispatched without its jobs, nor twice.
 */
import { randomBytes } from 'node:crypto';
import { REDELIVER_EVENT } from '../services/webhook-service.js';
import { connectionsRepo } from '../store/connections-repo.js';
import { eventsRepo, type OutboxEvent } from '../store/events-repo.js';
import { schedulesRepo } from '../store/schedules-repo.js';
import { webhooksRepo } from '../store/webhooks-repo.js';
import type { Executor } from '../store/db.js';
import type PgBoss from 'pg-boss';
import type { WebhookJob } from './webhook-worker.js';
import type { JobContext } from './context.js';
import { QUEUES, bossDb, type ExpiryJob } from './queue.js';
import { jobsEnabledFor } from './schedule.js';

const BATCH = 500;

export const newMessageId = (): string => `msg_${randomBytes(12).toString('base64url')}`;

/** Send the expiry job of a policy whose `expires` is still ahead (idempotent per policy and time). */
export async function scheduleExpiry(ctx: JobContext, ex: Executor, policy: string, expires: unknown): Promise<void> {
  if (typeof expires !== 'string') return;
  const at = new Date(expires);
  if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) return;
  const data: ExpiryJob = { policy, expires: at.toISOString() };
  await ctx.boss.send(QUEUES.expiry, data, { singletonKey: `${policy}@${data.expires}`, startAfter: at, db: bossDb(ex) });
}

export function createDispatcher(ctx: JobContext) {
  const enabled = jobsEnabledFor(ctx.opts.schedule);

  async function dispatchBatch(): Promise<{ events: number; webhooks: number; reconciles: number }> {
    return ctx.services.db.transaction(async (tx) => {
      const events = await eventsRepo.claim(tx, BATCH);
      if (events.length === 0) return { events: 0, webhooks: 0, reconciles: 0 };
      const conns = await connectionsRepo.list(tx);
      const governed = conns.filter((c) => enabled(c.options)).map((c) => c.name);
      const reconcile = new Map<string, string>();
      const ask = (names: readonly string[], reason: string): void => {
        for (const n of names) if (!reconcile.has(n)) reconcile.set(n, reason);
      };
      const internal: number[] = [];
      const deliveries: string[] = [];
      for (const e of events) {
        affect(e, governed, ask);
        if (e.type === 'internal.connection_changed' && e.connection) await schedulesRepo.remove(tx, e.connection);
        if ((e.type === 'policy.created' || e.type === 'policy.updated') && typeof e.data.name === 'string') {
          await scheduleExpiry(ctx, tx, e.data.name, (e.data.policy as { expires?: unknown } | undefined)?.expires);
        }
        if (e.type === REDELIVER_EVENT && typeof e.data.delivery === 'string') deliveries.push(e.data.delivery);
        if (e.type.startsWith('internal.')) internal.push(e.id);
      }
      deliveries.push(...(await webhooksRepo.fanOut(tx, events.filter((e) => !e.type.startsWith('internal.')), newMessageId)));
      if (deliveries.length > 0) {
        const jobs = deliveries.map((delivery): PgBoss.JobInsert<WebhookJob> => ({ name: QUEUES.webhook, data: { delivery, attempt: 1 } }));
        await ctx.boss.insert(jobs, { db: bossDb(tx) });
      }
      for (const [connection, reason] of reconcile) await ctx.requestReconcile(connection, reason, tx);
      await eventsRepo.remove(tx, internal);
      return { events: events.length, webhooks: deliveries.length, reconciles: reconcile.size };
    });
  }

  let running: Promise<void> | null = null;
  let again = false;

  /** Dispatch until the outbox is empty; concurrent calls fold into the running one. */
  async function run(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          for (;;) {
            if (ctx.stopping()) return;
            const r = await dispatchBatch();
            // Committed: the jobs are visible now (a reconcile once its debounce has passed).
            if (r.webhooks > 0) ctx.wake(QUEUES.webhook);
            if (r.reconciles > 0) ctx.wake(QUEUES.reconcile, ctx.opts.debounceMs + 5);
            if (r.events < BATCH) break;
          }
        } while (again);
      } catch (err) {
        ctx.log(`dispatch failed: ${(err as Error).message}`);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return { run };
}

/** Which connections an event asks to reconcile. */
function affect(e: OutboxEvent, governed: readonly string[], ask: (names: readonly string[], reason: string) => void): void {
  switch (e.type) {
    case 'internal.model_changed':
      return ask(governed, 'change');
    case 'policy.created':
    case 'policy.updated':
    case 'policy.deleted':
      return ask(governed, `${e.type} ${String(e.data.name)}`);
    case 'internal.connection_changed':
      if (e.connection && governed.includes(e.connection)) ask([e.connection], 'connection changed');
      return;
    default:
      return;
  }
}
