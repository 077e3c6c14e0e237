/**
 * The reconcile job: sync one connection, then plan and apply it (notify-only connections plan
 * and record), under the connection's lease so that one run per connection happens at a time
 * across every server. What it did is announced in one transaction: datasources found or gone,
 * drift, access granted and revoked, a failed apply, a notify-only plan, and the health verdict.
 */
import { createHash } from 'node:crypto';
import { StewardError, redactSecrets, toStewardError } from '../domain/errors.js';
import type { SyncReport } from '../catalog/sync-service.js';
import { connectionsRepo } from '../store/connections-repo.js';
import { eventsRepo } from '../store/events-repo.js';
import { healthRepo } from '../store/health-repo.js';
import { leasesRepo } from '../store/leases-repo.js';
import type { Executor } from '../store/db.js';
import { accessEvents } from './access-events.js';
import type { JobContext } from './context.js';
import { reconcileConnection, type ReconcileRun } from './reconcile-adapter.js';
import type { ReconcileJob } from './queue.js';
import { roleClassifier, userResolver } from './role-classifier.js';
import { jobsEnabledFor } from './schedule.js';

/** How long a job that found its connection busy elsewhere waits before it looks again (cheap: one lease query). */
const DEFER_MS = 500;

/** At most this long a job waits in-process for this process's own run of its connection, before it defers. */
const WAIT_LOCAL_MS = 10_000;

/**
 * The reasons whose reconcile may be membership-scoped (see `membership-scope.ts`): changes to
 * users, groups and memberships. Schedules, expiries, policy and connection changes plan in full.
 */
const SCOPED_REASONS: ReadonlySet<string> = new Set(['change']);

export type ReconcileResult = 'ok' | 'applied' | 'failed' | 'deferred' | 'skipped';

type NewEvent = { type: string; connection: string; data: unknown };

/** At most this many paths in one `datasource.*` event; `count` always tells how many. */
const MAX_DATASOURCES_PER_EVENT = 1000;

/**
 * Tables and views found or gone: one `datasource.added` and one `datasource.removed` per sync
 * (not one per object: the first sync of a large catalog would be a flood of 100,000 requests).
 */
function datasourceEvents(connection: string, sync: SyncReport | null): NewEvent[] {
  if (!sync) return [];
  const isSource = (k: string): boolean => k === 'table' || k === 'view';
  const out: NewEvent[] = [];
  for (const [type, list] of [['datasource.added', sync.added], ['datasource.removed', sync.removed]] as const) {
    const sources = list.filter((c) => isSource(c.kind));
    if (sources.length === 0) continue;
    out.push({
      type, connection,
      data: { connection, count: sources.length, datasources: sources.slice(0, MAX_DATASOURCES_PER_EVENT).map((c) => ({ path: c.path, kind: c.kind })) },
    });
  }
  return out;
}

export function createReconcileWorker(ctx: JobContext) {
  const { services } = ctx;
  const db = services.db;
  const enabled = jobsEnabledFor(ctx.opts.schedule);
  /** Runs of this process, per connection, until their lease is released. */
  const runningHere = new Map<string, Promise<void>>();

  async function announce(connection: string, fn: (tx: Executor) => Promise<NewEvent[]>): Promise<void> {
    await db.transaction(async (tx) => {
      const events = await fn(tx);
      await eventsRepo.add(tx, events);
      await services.health.refresh(connection, enabled, tx);
    });
    ctx.nudge();
  }

  async function eventsOf(run: ReconcileRun): Promise<NewEvent[]> {
    const { outcome } = run;
    const c = outcome.connection;
    const out: NewEvent[] = datasourceEvents(c, outcome.sync);
    const plan = outcome.plan;
    if (plan.driftCount > 0) {
      out.push({
        type: 'drift.detected', connection: c,
        data: {
          connection: c, count: plan.driftCount, mode: plan.drift,
          reverted: plan.drift === 'enforce' && outcome.status === 'applied',
          operations: [...plan.operations.filter((o) => o.drift === true), ...plan.reportedDrift].slice(0, 100),
        },
      });
    }
    if (outcome.status === 'applied') {
      const { spec, platform } = await services.connections.spec(c);
      const classify = roleClassifier({ prefix: spec.options.rolePrefix, maxLength: platform.capabilities.maxRoleNameLength, model: run.model });
      const userOf = userResolver(c, spec.options.principalTemplate, run.model);
      for (const e of accessEvents({ connection: c, operations: plan.operations, desired: plan.desired, classify, userOf })) out.push(e);
    }
    if (outcome.status === 'failed') {
      out.push({ type: 'apply.failed', connection: c, data: { connection: c, error: outcome.error ?? 'apply failed', auditId: outcome.auditId, statements: plan.statements.length } });
    }
    return out;
  }

  async function run(job: { id: string; data: ReconcileJob; createdOn?: Date }): Promise<ReconcileResult> {
    const { connection, reason } = job.data;
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    // Where the time goes, for the log line: ms since the job was taken at the end of each step.
    const marks: string[] = [];
    const mark = (phase: string): void => void marks.push(`${phase} ${Math.round(performance.now() - started)}`);
    const queued = job.createdOn !== undefined ? Math.max(0, Date.now() - new Date(job.createdOn).getTime()) : null;
    const conn = await connectionsRepo.get(db, connection);
    if (!conn || !enabled(conn.options)) return 'skipped';
    const holder = `${ctx.serverId}/${job.id}`;
    const waitUntil = performance.now() + WAIT_LOCAL_MS;
    while (!(await leasesRepo.acquire(db, connection, holder, ctx.opts.lease.staleMs))) {
      // Another run of this connection is in progress. In this process: go right after it (it
      // ends with the lease's release). On another server: ask again after a while. Either way
      // what changed meanwhile is applied.
      const here = runningHere.get(connection);
      const left = waitUntil - performance.now();
      if (here === undefined || left <= 0 || ctx.stopping()) {
        await ctx.requestReconcile(connection, reason, undefined, DEFER_MS);
        return 'deferred';
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([here, new Promise<void>((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
    let done!: () => void;
    runningHere.set(connection, new Promise<void>((r) => (done = r)));
    mark('lease');
    let failedApply: StewardError | undefined;
    const beat = setInterval(() => {
      leasesRepo.heartbeat(db, connection, holder).catch((err: unknown) => ctx.log(`lease heartbeat ${connection}: ${(err as Error).message}`));
    }, ctx.opts.lease.heartbeatMs);
    try {
      if (conn.options.protect.length === 0) {
        // Nothing under governance: keep the catalog current, nothing to enforce.
        const sync = await services.syncConnection(connection);
        await announce(connection, async (tx) => {
          await healthRepo.ok(tx, connection);
          return datasourceEvents(connection, sync);
        });
        return 'ok';
      }
      const t0 = performance.now();
      const r = await reconcileConnection(services, connection, { actor: `jobs:${reason}`, sync: true, scoped: SCOPED_REASONS.has(reason), onPhase: mark });
      const ms = Math.round(performance.now() - t0);
      const o = r.outcome;
      ctx.metrics.statementsApplied(connection, o.results.filter((x) => x.ok).length);
      if (o.plan.driftCount > 0) ctx.metrics.driftFound(connection, o.plan.driftCount);
      if (o.status !== 'no-op') {
        const t = o.plan.timings;
        const cpu = process.cpuUsage(cpu0);
        ctx.log(`reconcile ${connection} (${reason}): ${o.status}${o.plan.scoped ? ` (${o.plan.scoped} only)` : ''}, ${o.plan.statements.length} statements, ${o.plan.driftCount} drift, ${ms} ms ` +
          `(sync ${o.sync?.ms ?? 0}, desired ${t.desiredMs}, actual ${t.actualMs}, plan ${t.planMs}); ` +
          `${queued !== null ? `queued ${queued} ms before; ` : ''}steps end at ms: ${marks.join(', ')}; ` +
          `process CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms`);
      }
      const events = await eventsOf(r);
      await announce(connection, async (tx) => {
        if (o.status === 'failed') await healthRepo.failed(tx, connection, o.error ?? 'apply failed', { reachable: true });
        else await healthRepo.ok(tx, connection);
        if (o.status === 'notified') {
          const digest = createHash('sha256').update(JSON.stringify(o.plan.statements.map((s) => s.sql))).digest('hex');
          // The same pending plan is announced once, not at every drift check.
          if (await healthRepo.noteNotifiedPlan(tx, connection, digest)) {
            events.push({ type: 'plan.notified', connection, data: { connection, operations: o.plan.operations, statements: o.plan.statements.map((s) => s.sql), auditId: o.auditId } });
          }
        }
        return events;
      });
      if (o.status === 'failed') failedApply = new StewardError('platform_error', `apply of ${connection} failed: ${o.error ?? 'unknown error'}`);
      else return o.status === 'applied' ? 'applied' : 'ok';
    } catch (err) {
      const e = toStewardError(err);
      const message = redactSecrets(e.message);
      await announce(connection, async (tx) => {
        await healthRepo.failed(tx, connection, message, {
          ...(e.code === 'connection_failed' ? { reachable: false } : {}),
          unsupported: e.code === 'unsupported',
        });
        return [{ type: 'apply.failed', connection, data: { connection, error: message, code: e.code } }];
      });
      // Retrying cannot help a refused plan or an unsupported platform; anything else may pass.
      if (e.code === 'unsafe_plan' || e.code === 'unsupported' || e.code === 'not_found') return 'failed';
      throw e;
    } finally {
      clearInterval(beat);
      await leasesRepo.release(db, connection, holder).catch(() => undefined);
      runningHere.delete(connection);
      done();
    }
    // Statements failed (already announced): let the queue retry with backoff.
    throw failedApply;
  }

  return { run };
}
