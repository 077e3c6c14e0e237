/** What every part of the job runtime shares: options, the queue, the services, and how to ask for work. */
import type PgBoss from 'pg-boss';
import type { Services } from '../services/container.js';
import type { Metrics } from '../services/metrics.js';
import type { Executor } from '../store/db.js';
import type { QueueTimings } from './queue.js';
import type { ScheduleDefaults } from './schedule.js';

export interface JobsOptions {
  /** Default intervals (connections may override sync and drift with `schedule`); 0 turns a job off. */
  readonly schedule: ScheduleDefaults;
  /** How often this server looks for due schedules. */
  readonly tickMs: number;
  /** How often this server looks for changes other processes recorded (its own are seen at once). */
  readonly dispatchMs: number;
  /** A reconcile waits this long after a change, so that a burst of changes makes one run. */
  readonly debounceMs: number;
  /** Reconcile leases: renewed every `heartbeatMs`; taken over when older than `staleMs`. */
  readonly lease: { readonly heartbeatMs: number; readonly staleMs: number };
  readonly queue: QueueTimings;
  readonly webhooks: {
    readonly allowPrivate: boolean;
    readonly timeoutMs: number;
    /** Delay before each retry after a failed attempt; its length is the number of retries. */
    readonly retryDelaysMs: readonly number[];
  };
  /** Reconciles of different connections that may run at once in this process. */
  readonly reconcileWorkers: number;
}

/** Retries over about a day (Standard Webhooks' suggested schedule): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_WEBHOOK_RETRIES_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

export const DEFAULT_JOBS_OPTIONS: Omit<JobsOptions, 'schedule'> = {
  tickMs: 1000,
  dispatchMs: 1000,
  debounceMs: 50,
  lease: { heartbeatMs: 5000, staleMs: 20_000 },
  // A worker that died is noticed after 30 s, by a maintenance pass at most 10 s later: its job
  // is running elsewhere within a minute.
  queue: { expireSeconds: 30, maintenanceSeconds: 10, pollingSeconds: 1 },
  webhooks: { allowPrivate: false, timeoutMs: 10_000, retryDelaysMs: DEFAULT_WEBHOOK_RETRIES_MS },
  reconcileWorkers: 2,
};

export interface JobContext {
  readonly services: Services;
  readonly boss: PgBoss;
  readonly metrics: Metrics;
  readonly opts: JobsOptions;
  /** This process, in lease holders and logs. */
  readonly serverId: string;
  readonly log: (message: string) => void;
  /** Ask for a reconcile of `connection` (coalesced per connection); inside `ex`'s transaction when given. */
  requestReconcile(connection: string, reason: string, ex?: Executor, delayMs?: number): Promise<void>;
  /** Look at the outbox now (after recording events). */
  nudge(): void;
  /** Wake this process's workers of a queue after `delayMs`. */
  wake(queue: string, delayMs?: number): void;
  readonly stopping: () => boolean;
}
