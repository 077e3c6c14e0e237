/**
 * The background work of `steward serve`, on pg-boss: reconcile, expiry, webhook and probe
 * workers, the outbox dispatcher and the schedule tick. Any number of servers may run this on
 * one PostgreSQL store: events are dispatched once, schedules fire once, one reconcile per
 * connection runs at a time (leases), and a job whose server died is retried by another.
 */
import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { redactSecrets } from '../domain/errors.js';
import type { Services } from '../services/container.js';
import { createMetrics, type Metrics } from '../services/metrics.js';
import { connectionsRepo } from '../store/connections-repo.js';
import { DEFAULT_JOBS_OPTIONS, type JobContext, type JobsOptions } from './context.js';
import { createDispatcher } from './dispatcher.js';
import { createProbeWorker } from './probe-worker.js';
import { QUEUES, bossDb, openQueue, type ExpiryJob, type ReconcileJob } from './queue.js';
import { createReconcileWorker } from './reconcile-worker.js';
import { DEFAULT_SCHEDULE, jobsEnabledFor } from './schedule.js';
import { createScheduler } from './scheduler.js';
import { createWebhookWorker, type WebhookJob } from './webhook-worker.js';

export interface JobsRuntime {
  readonly metrics: Metrics;
  readonly serverId: string;
  /** Look at the outbox now: call after a change was committed in this process. */
  nudge(): void;
  /** Stop taking work, let running jobs finish (up to `timeoutMs`), release the queue. */
  stop(timeoutMs?: number): Promise<void>;
}

export type JobsConfig = Partial<Omit<JobsOptions, 'webhooks' | 'lease' | 'queue'>> & {
  readonly webhooks?: Partial<JobsOptions['webhooks']>;
  readonly lease?: Partial<JobsOptions['lease']>;
  readonly queue?: Partial<JobsOptions['queue']>;
};

export function jobsOptions(c: JobsConfig = {}): JobsOptions {
  const d = DEFAULT_JOBS_OPTIONS;
  return {
    ...d,
    ...c,
    schedule: { ...DEFAULT_SCHEDULE, ...c.schedule },
    webhooks: { ...d.webhooks, ...c.webhooks },
    lease: { ...d.lease, ...c.lease },
    queue: { ...d.queue, ...c.queue },
  };
}

export async function startJobs(services: Services, config: JobsConfig, log: (message: string) => void): Promise<JobsRuntime> {
  const opts = jobsOptions(config);
  const enabled = jobsEnabledFor(opts.schedule);
  const boss: PgBoss = await openQueue(services.db, opts.queue);
  boss.on('error', (err: Error) => log(`job queue: ${redactSecrets(err.message)}`));
  const metrics = createMetrics(async () => (await services.health.statusView(enabled)).map((s) => ({ connection: s.connection, status: s.health.status })));
  const serverId = randomUUID();
  const workers = new Map<string, string[]>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const wake = (queue: string, delayMs = 0): void => {
    if (stopped) return;
    const t = setTimeout(() => {
      timers.delete(t);
      for (const id of workers.get(queue) ?? []) boss.notifyWorker(id);
    }, delayMs);
    timers.add(t);
  };

  let dispatcher: ReturnType<typeof createDispatcher> | null = null;
  const ctx: JobContext = {
    services, boss, metrics, opts, serverId, log, wake,
    stopping: () => stopped,
    async requestReconcile(connection, reason, ex, delayMs = opts.debounceMs) {
      const data: ReconcileJob = { connection, reason };
      await boss.send(QUEUES.reconcile, data, { singletonKey: connection, ...(delayMs > 0 ? { startAfter: delayMs / 1000 } : {}), db: bossDb(ex ?? services.db) });
      // Fetching needs start_after < now(): wake the workers just after the debounce.
      wake(QUEUES.reconcile, delayMs + 25);
    },
    nudge: () => void dispatcher?.run(),
  };
  dispatcher = createDispatcher(ctx);
  const scheduler = createScheduler(ctx);
  const reconciler = createReconcileWorker(ctx);
  const prober = createProbeWorker(ctx);
  const sender = createWebhookWorker(ctx);

  /**
   * `count` workers on `queue`, each taking `batch` jobs per fetch. A batch runs concurrently
   * and every job in it settles on its own: a failed job is sent again after `retryMs` instead
   * of failing the whole batch (pg-boss completes or fails a batch as one).
   */
  const work = async <T extends object>(queue: string, count: number, label: string, fn: (job: PgBoss.JobWithMetadata<T>) => Promise<string>, batch = 1): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const id = await boss.work<T>(queue, { pollingIntervalSeconds: opts.queue.pollingSeconds, batchSize: batch, includeMetadata: true }, async (jobs) => {
        const results = await Promise.allSettled(jobs.map((job) => metrics.timeJob(label, () => fn(job), (r) => r)));
        const failed = results.flatMap((r, k) => (r.status === 'rejected' ? [{ job: jobs[k]!, err: r.reason as Error }] : []));
        for (const f of failed) log(`${label} job failed (retried): ${redactSecrets(f.err.message)}`);
        if (batch === 1 && failed.length > 0) throw failed[0]!.err;
        for (const f of failed) await boss.send(queue, f.job.data, { startAfter: 5 });
      });
      workers.set(queue, [...(workers.get(queue) ?? []), id]);
    }
  };
  await work<ReconcileJob>(QUEUES.reconcile, opts.reconcileWorkers, 'reconcile', (job) => reconciler.run(job));
  await work<{ connection: string }>(QUEUES.probe, 1, 'probe', (job) => prober.run(job.data.connection));
  await work<WebhookJob>(QUEUES.webhook, 1, 'webhook', (job) => sender.run(job.data), 20);
  await work<ExpiryJob>(QUEUES.expiry, 1, 'expiry', async (job) => {
    for (const c of await connectionsRepo.list(services.db)) {
      if (enabled(c.options) && c.options.protect.length > 0) await ctx.requestReconcile(c.name, `expiry:${job.data.policy}`, undefined, 0);
    }
    log(`policy ${job.data.policy} expired at ${job.data.expires}: reconciling`);
    return 'ok';
  });

  await scheduler.ensureExpiries();

  let ticking: Promise<void> | null = null;
  const tick = (): void => {
    if (ticking || stopped) return;
    ticking = scheduler.tick().catch((err: unknown) => log(`schedule tick failed: ${redactSecrets((err as Error).message)}`)).finally(() => (ticking = null));
  };
  const tickTimer = setInterval(tick, opts.tickMs);
  const dispatchTimer = setInterval(() => ctx.nudge(), opts.dispatchMs);
  tick();
  ctx.nudge();

  return {
    metrics,
    serverId,
    nudge: () => ctx.nudge(),
    async stop(timeoutMs = 30_000) {
      stopped = true;
      clearInterval(tickTimer);
      clearInterval(dispatchTimer);
      for (const t of timers) clearTimeout(t);
      await ticking;
      await dispatcher?.run();
      await boss.stop({ graceful: true, timeout: timeoutMs, close: false });
    },
  };
}
