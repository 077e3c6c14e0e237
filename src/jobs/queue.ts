/**
 * The job queue: pg-boss on the metadata store. On PostgreSQL it runs on the store's own pool;
 * on the embedded PGlite store, which has one connection, every statement goes through the same
 * `Db` (pg-boss's `db.executeSql` option) and PGlite runs them one at a time, so pg-boss's
 * scripts never interleave with Steward's transactions.
 */
import PgBoss from 'pg-boss';
import type { Db, Executor } from '../store/db.js';

export const QUEUES = {
  /** Sync, then plan and apply one connection (data: ReconcileJob). */
  reconcile: 'steward-reconcile',
  /** A policy's `expires` has come: reconcile every connection (data: ExpiryJob). */
  expiry: 'steward-expiry',
  /** One attempt at one webhook delivery (data: { delivery }). */
  webhook: 'steward-webhook',
  /** Reachability and privilege probe of one connection (data: { connection }). */
  probe: 'steward-probe',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface ReconcileJob {
  readonly connection: string;
  /** Why it was asked for (change, schedule:sync, schedule:drift, expiry, takeover…); for the log. */
  readonly reason: string;
}

export interface ExpiryJob {
  readonly policy: string;
  readonly expires: string;
}

export interface QueueTimings {
  /** A job whose worker stopped answering is failed (and retried elsewhere) after this. */
  readonly expireSeconds: number;
  /** How often some server looks for expired jobs. */
  readonly maintenanceSeconds: number;
  /** How often an idle worker asks for new jobs (a local send wakes it at once). */
  readonly pollingSeconds: number;
}

/** pg-boss's view of one executor: the store, or one transaction of it. */
export function bossDb(ex: Executor | Db): PgBoss.Db {
  if ('raw' in ex) return { executeSql: (text, values) => ex.raw(text, values) };
  return { executeSql: async (text, values) => ({ rows: await ex.query(text, values) }) };
}

/**
 * Open pg-boss on the store and create Steward's queues. Queue policies (pg-boss 10):
 * - reconcile, probe: `short` with the connection as singleton key: at most one job waits per
 *   connection, so a burst of changes coalesces into one run (the lease in `lease.ts` keeps
 *   runs of one connection apart; `stately` would block the whole queue's fetch behind a
 *   connection that is busy);
 * - expiry: `short` keyed by policy and time, so that re-announcing an expiry is harmless;
 * - webhook: `standard`, one job per attempt.
 */
export async function openQueue(db: Db, t: QueueTimings): Promise<PgBoss> {
  const boss = new PgBoss({
    db: bossDb(db),
    schema: 'pgboss',
    // Steward keeps its own schedules (per connection, in durations); pg-boss's cron is off.
    schedule: false,
    supervise: true,
    migrate: true,
    maintenanceIntervalSeconds: t.maintenanceSeconds,
    archiveCompletedAfterSeconds: 3600,
    deleteAfterDays: 7,
  });
  await boss.start();
  const expireInSeconds = t.expireSeconds;
  await boss.createQueue(QUEUES.reconcile, { name: QUEUES.reconcile, policy: 'short', retryLimit: 5, retryDelay: 2, retryBackoff: true, expireInSeconds });
  await boss.createQueue(QUEUES.probe, { name: QUEUES.probe, policy: 'short', retryLimit: 0, expireInSeconds });
  await boss.createQueue(QUEUES.expiry, { name: QUEUES.expiry, policy: 'short', retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds });
  await boss.createQueue(QUEUES.webhook, { name: QUEUES.webhook, policy: 'standard', retryLimit: 3, retryDelay: 1, expireInSeconds });
  return boss;
}
