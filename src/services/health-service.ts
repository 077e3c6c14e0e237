/**
 * Health per connection: a verdict (healthy / degraded / error / disabled) with its reason,
 * from what the jobs observed (health-repo) and what the last sync and apply recorded
 * (status-repo). A change of verdict is announced as `connection.health_changed`, in the
 * transaction that records it.
 */
import type { ConnectionView } from './connection-service.js';
import type { Db, Executor } from '../store/db.js';
import { eventsRepo } from '../store/events-repo.js';
import { healthRepo, type HealthRow, type HealthStatus } from '../store/health-repo.js';
import { statusRepo, type ConnectionStatus } from '../store/status-repo.js';
import { connectionsRepo } from '../store/connections-repo.js';

export interface HealthVerdict {
  readonly status: HealthStatus;
  readonly reason: string;
}

export interface ConnectionHealth extends HealthVerdict {
  readonly reachable: boolean | null;
  readonly lastProbeAt: Date | null;
  readonly lastError: string | null;
  readonly lastErrorAt: Date | null;
  /** The system account's privilege check at the last probe (null: not probed yet). */
  readonly privilegesOk: boolean | null;
  readonly privilegesMissing: readonly string[] | null;
}

/** `status` rows as before, each with its health. */
export type StatusView = ConnectionStatus & { readonly health: ConnectionHealth };

/** Whether background jobs run for a connection: false when both of its schedules are off. */
export type JobsEnabled = (options: ConnectionView['options']) => boolean;

/** The verdict, from the observations. Order matters: the first that applies wins. */
export function healthVerdict(h: HealthRow | null, s: ConnectionStatus | null, jobsEnabled: boolean): HealthVerdict {
  if (h?.unsupported === true) return { status: 'disabled', reason: h.lastError ?? 'this platform cannot be synced or enforced yet' };
  if (!jobsEnabled) return { status: 'disabled', reason: 'background sync and drift checks are off for this connection' };
  if (h?.lastErrorAt && (!h.lastOkAt || h.lastErrorAt >= h.lastOkAt)) return { status: 'error', reason: h.lastError ?? 'the last job failed' };
  if (h?.reachable === false) return { status: 'error', reason: 'the database is unreachable' };
  // What the last apply and sync recorded, whoever ran them (a CLI apply has no job to observe it).
  if (s?.lastApplyOutcome === 'failed' || s?.lastApplyOutcome === 'interrupted') {
    const what = s.lastApplyOutcome === 'failed' ? 'the last apply failed' : 'the last apply was interrupted';
    return { status: 'error', reason: s.lastApplyError ? `${what}: ${s.lastApplyError}` : what };
  }
  const appliedSince = s?.lastApplyOutcome === 'ok' && s.lastApplyAt !== null && s.lastSyncAt !== null && s.lastApplyAt > s.lastSyncAt;
  if (s?.lastSyncError && !appliedSince) return { status: 'error', reason: `the last sync failed: ${s.lastSyncError}` };
  if (h?.privilegesOk === false) return { status: 'degraded', reason: `the system account lacks: ${(h.privilegesMissing ?? []).join('; ')}` };
  if (s && s.driftCount > 0) return { status: 'degraded', reason: `${s.driftCount} drift found and not reverted` };
  return { status: 'healthy', reason: 'ok' };
}

export function createHealthService(deps: { db: Db; jobsEnabled?: JobsEnabled }) {
  const { db } = deps;
  const enabled: JobsEnabled = deps.jobsEnabled ?? (() => true);

  function view(h: HealthRow | null, s: ConnectionStatus | null, jobsEnabled: boolean): ConnectionHealth {
    return {
      ...healthVerdict(h, s, jobsEnabled),
      reachable: h?.reachable ?? null,
      lastProbeAt: h?.lastProbeAt ?? null,
      lastError: h?.lastError ?? null,
      lastErrorAt: h?.lastErrorAt ?? null,
      privilegesOk: h?.privilegesOk ?? null,
      privilegesMissing: h?.privilegesMissing ?? null,
    };
  }

  return {
    /** Every connection's status and health (what `steward status` shows). */
    async statusView(jobsEnabled: JobsEnabled = enabled): Promise<StatusView[]> {
      const [statuses, health, conns] = await Promise.all([statusRepo.list(db), healthRepo.list(db), connectionsRepo.list(db)]);
      const byName = new Map(health.map((h) => [h.connection, h]));
      const options = new Map(conns.map((c) => [c.name, c.options]));
      return statuses.map((s) => ({ ...s, health: view(byName.get(s.connection) ?? null, s, jobsEnabled(options.get(s.connection) ?? ({} as ConnectionView['options']))) }));
    },

    /**
     * Recompute one connection's verdict; when it changed, store it and record
     * `connection.health_changed`. Returns the verdict and whether it changed.
     */
    async refresh(connection: string, jobsEnabled: JobsEnabled = enabled, tx: Executor = db): Promise<HealthVerdict & { changed: boolean; previous: HealthStatus | null }> {
      const conn = await connectionsRepo.get(tx, connection);
      if (!conn) return { status: 'disabled', reason: 'removed', changed: false, previous: null };
      const h = await healthRepo.get(tx, connection);
      const s = (await statusRepo.list(tx)).find((x) => x.connection === connection) ?? null;
      const v = healthVerdict(h, s, jobsEnabled(conn.options));
      const previous = h?.status ?? null;
      // A connection starts healthy: only a move away from that (or back) is news.
      if ((previous ?? 'healthy') === v.status) {
        if (previous === null) await healthRepo.setStatus(tx, connection, v.status);
        return { ...v, changed: false, previous };
      }
      await healthRepo.setStatus(tx, connection, v.status);
      await eventsRepo.add(tx, [{ type: 'connection.health_changed', connection, data: { connection, from: previous ?? 'healthy', to: v.status, reason: v.reason } }]);
      return { ...v, changed: true, previous };
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
