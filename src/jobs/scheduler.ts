/**
 * Periodic work per connection: object sync, drift check and health probe, each at its own
 * interval (the connection's `schedule`, else the server's defaults). Every server ticks; due
 * rows of `job_schedules` are claimed with SKIP LOCKED and moved forward in the transaction
 * that enqueues their job, so each due time yields one job however many servers run.
 */
import { connectionsRepo } from '../store/connections-repo.js';
import { schedulesRepo, type ScheduleKind, type ScheduleRow } from '../store/schedules-repo.js';
import { policiesRepo } from '../store/policies-repo.js';
import type { JobContext } from './context.js';
import { scheduleExpiry } from './dispatcher.js';
import { QUEUES, bossDb } from './queue.js';
import { effectiveSchedule, jobsEnabledFor } from './schedule.js';

const KINDS: readonly ScheduleKind[] = ['sync', 'drift', 'probe'];
/** Dispatched events (and their webhook deliveries and attempts) are kept this long. */
const EVENT_RETENTION_DAYS = 30;
const CLEANUP_EVERY_MS = 3_600_000;

export function createScheduler(ctx: JobContext) {
  const enabled = jobsEnabledFor(ctx.opts.schedule);

  let lastCleanup = 0;

  async function tick(): Promise<void> {
    if (Date.now() - lastCleanup > CLEANUP_EVERY_MS) {
      lastCleanup = Date.now();
      await ctx.services.db.query(`DELETE FROM events WHERE dispatched_at < now() - $1 * interval '1 day'`, [EVENT_RETENTION_DAYS]);
    }
    let probes = 0;
    await ctx.services.db.transaction(async (tx) => {
      const now = await schedulesRepo.now(tx);
      const intervals = new Map<string, number>();
      for (const c of await connectionsRepo.list(tx)) {
        const e = effectiveSchedule(c.options, ctx.opts.schedule);
        const on = enabled(c.options);
        intervals.set(`${c.name}\u0000sync`, e.syncMs);
        intervals.set(`${c.name}\u0000drift`, e.driftMs);
        intervals.set(`${c.name}\u0000probe`, on ? e.probeMs : 0);
      }
      // New connections: the first sync and drift check come one interval from now (adding a
      // connection already reconciles it); the first probe comes now.
      const fresh: ScheduleRow[] = [];
      for (const [key, ms] of intervals) {
        const [connection, kind] = key.split('\u0000') as [string, ScheduleKind];
        if (ms > 0) fresh.push({ connection, kind, nextAt: new Date(now.getTime() + (kind === 'probe' ? 0 : ms)) });
      }
      await schedulesRepo.ensure(tx, fresh);

      const moved: ScheduleRow[] = [];
      for (const row of await schedulesRepo.lockAll(tx)) {
        const ms = intervals.get(`${row.connection}\u0000${row.kind}`) ?? 0;
        if (ms <= 0) {
          await schedulesRepo.remove(tx, row.connection, [row.kind]);
          continue;
        }
        const due = row.nextAt <= now;
        // An interval shortened since the row was written (flags, options) takes effect now.
        if (!due && row.nextAt.getTime() <= now.getTime() + ms) continue;
        moved.push({ ...row, nextAt: new Date(now.getTime() + ms) });
        if (!due) continue;
        if (row.kind === 'probe') {
          await ctx.boss.send(QUEUES.probe, { connection: row.connection }, { singletonKey: row.connection, db: bossDb(tx) });
          probes++;
        } else {
          await ctx.requestReconcile(row.connection, `schedule:${row.kind}`, tx, 0);
        }
      }
      await schedulesRepo.set(tx, moved);
    });
    if (probes > 0) ctx.wake(QUEUES.probe);
  }

  /** Expiry jobs for every policy that will expire (idempotent; covers policies stored before the jobs ran). */
  async function ensureExpiries(): Promise<void> {
    await ctx.services.db.transaction(async (tx) => {
      for (const p of await policiesRepo.list(tx)) await scheduleExpiry(ctx, tx, p.policy.name, 'expires' in p.policy ? p.policy.expires : undefined);
    });
  }

  return { tick, ensureExpiries, kinds: KINDS };
}
