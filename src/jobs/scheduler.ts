import type { Services } from '../services/container.js';
import { redactSecrets } from '../domain/errors.js';

export interface SchedulerOptions {
  /** Object sync of every connection, every N ms (0: off). */
  readonly syncIntervalMs: number;
  /** Reconcile every connection (drift found is reverted or reported), every N ms (0: off). */
  readonly driftIntervalMs: number;
  readonly log: (msg: string) => void;
}

/**
 * Background work of `steward serve`: periodic object sync and drift reconcile. Jobs run one at
 * a time on a single queue, so a slow sync never overlaps a reconcile of the same connection.
 */
export function startScheduler(services: Services, opts: SchedulerOptions): { stop(): Promise<void> } {
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];

  const enqueue = (name: string, job: () => Promise<void>): void => {
    queue = queue.then(async () => {
      if (stopped) return;
      try {
        await job();
      } catch (err) {
        opts.log(`${name} failed: ${redactSecrets(err instanceof Error ? err.message : String(err))}`);
      }
    });
  };

  const syncAll = async (): Promise<void> => {
    for (const c of await services.connections.list()) {
      if (c.type === 'redshift') continue;
      const r = await services.syncConnection(c.name);
      if (r.added.length + r.changed.length + r.removed.length > 0) {
        opts.log(`sync ${c.name}: ${r.added.length} added, ${r.changed.length} changed, ${r.removed.length} removed`);
      }
    }
  };

  const reconcileAll = async (): Promise<void> => {
    for (const c of await services.connections.list()) {
      if (c.type === 'redshift' || c.options.protect.length === 0) continue;
      const r = await services.reconcile.apply(c.name, () => services.config.modelFor(c.name), { actor: 'scheduler', sync: false, auditNoop: false });
      if (r.status !== 'no-op') opts.log(`reconcile ${c.name}: ${r.status}, ${r.plan.statements.length} statements, ${r.plan.driftCount} drift`);
    }
  };

  if (opts.syncIntervalMs > 0) timers.push(setInterval(() => enqueue('sync', syncAll), opts.syncIntervalMs));
  if (opts.driftIntervalMs > 0) timers.push(setInterval(() => enqueue('reconcile', reconcileAll), opts.driftIntervalMs));

  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await queue;
    },
  };
}
