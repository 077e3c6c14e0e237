/**
 * Prometheus metrics of one server process (prom-client, its own registry). Label sets stay
 * small: queue and outcome for jobs, connection for applies and drift, outcome for webhooks.
 * Connection health is read from the store at scrape time, so every server of a cluster reports
 * the same, current verdicts.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HealthStatus } from '../store/health-repo.js';

const STATUSES: readonly HealthStatus[] = ['healthy', 'degraded', 'error', 'disabled'];

export function createMetrics(healthNow: () => Promise<readonly { connection: string; status: HealthStatus }[]>) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'steward_process_' });

  const jobDuration = new Histogram({
    name: 'steward_job_duration_seconds',
    help: 'Duration of background jobs by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const jobs = new Counter({
    name: 'steward_jobs_total',
    help: 'Background jobs run, by queue and outcome (ok, failed, deferred, skipped)',
    labelNames: ['queue', 'outcome'] as const,
    registers: [registry],
  });
  const statements = new Counter({
    name: 'steward_statements_applied_total',
    help: 'SQL statements run against governed databases by background reconciles',
    labelNames: ['connection'] as const,
    registers: [registry],
  });
  const drift = new Counter({
    name: 'steward_drift_found_total',
    help: 'Drift operations found by background reconciles (reverted or reported)',
    labelNames: ['connection'] as const,
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'steward_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (delivered, failed, gone)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'steward_connection_health',
    help: 'Health of each connection: 1 for its current status, 0 for the others',
    labelNames: ['connection', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const h of await healthNow()) {
        for (const s of STATUSES) this.set({ connection: h.connection, status: s }, h.status === s ? 1 : 0);
      }
    },
  });

  return {
    registry,
    /** Time `fn` as one job of `queue`; its result names the outcome (default ok; a throw is failed). */
    async timeJob<T>(queue: string, fn: () => Promise<T>, outcomeOf: (r: T) => string = () => 'ok'): Promise<T> {
      const end = jobDuration.startTimer({ queue });
      try {
        const r = await fn();
        const outcome = outcomeOf(r);
        end({ outcome });
        jobs.inc({ queue, outcome });
        return r;
      } catch (err) {
        end({ outcome: 'failed' });
        jobs.inc({ queue, outcome: 'failed' });
        throw err;
      }
    },
    statementsApplied: (connection: string, n: number) => statements.inc({ connection }, n),
    driftFound: (connection: string, n: number) => drift.inc({ connection }, n),
    webhookAttempt: (outcome: 'delivered' | 'failed' | 'gone') => webhooks.inc({ outcome }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
