import { hostname } from 'node:os';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AccessState } from '../domain/access.js';
import { packState, unpackState, type PackedState } from '../domain/packed-state.js';
import type { Executor } from './db.js';

/** How the last apply of a connection ended, as `status` shows it. */
export type ApplyOutcome = 'started' | 'running' | 'interrupted' | 'ok' | 'unconverged' | 'failed' | 'notified';

export interface ConnectionStatus {
  readonly connection: string;
  readonly lastSyncAt: Date | null;
  readonly lastSync: SyncCounts | null;
  readonly lastSyncError: string | null;
  readonly lastApplyAt: Date | null;
  readonly lastApplyError: string | null;
  /** `running`/`interrupted` are derived from `started`: is the applying process still alive? */
  readonly lastApplyOutcome: ApplyOutcome | null;
  readonly lastApplyAuditId: number | null;
  readonly lastPlanAt: Date | null;
  /** Drift found by the last plan (reverted or, in report mode, left). */
  readonly driftCount: number;
  /** Drift left in place because the connection is in `drift: report` mode. */
  readonly reportedDrift: number;
  /** Operations the last apply ran that the database did not reflect when read back. */
  readonly unconverged: number;
  /** Changes Steward cannot make with its account's privileges (an administrator must). */
  readonly blocked: number;
}

export interface SyncCounts {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly objects: number;
  readonly ms: number;
}

interface Raw {
  connection: string;
  last_sync_at: Date | null;
  last_sync: SyncCounts | null;
  last_sync_error: string | null;
  last_apply_at: Date | null;
  last_apply_error: string | null;
  last_apply_outcome: string | null;
  last_apply_audit_id: string | null;
  last_apply_process: string | null;
  last_plan_at: Date | null;
  drift_count: number;
  reported_drift: number;
  unconverged: number;
  blocked: number;
}

/**
 * Version of the stored last-applied state; 2: typed grantees (a JSON state); 3: the same JSON,
 * gzipped and base64-encoded. S1's state is 9.8 MB of JSON and 0.28 MB gzipped: writing it
 * plain into the embedded store took 0.4–0.9 s and reading it back 0.3 s of a one-change apply,
 * against ≈60 ms to gzip and ≈50 ms to gunzip (docs/benchmarks.md, S1 as whole processes).
 */
const APPLIED_STATE_FORMAT = 4;
/** Format 3: the plain state's JSON, gzipped (still read). */
const GZIP_STATE_FORMAT = 3;
const PLAIN_STATE_FORMAT = 2;

/** This process, as recorded on an apply it starts: `host pid`. */
const PROCESS = `${hostname()} ${process.pid}`;

/**
 * A `started` apply is `running` while its process lives, `interrupted` once it is gone. Only
 * decidable for a process on this host; elsewhere it stays `started` until the next apply of
 * the connection (which holds the lock) marks it.
 */
function liveness(outcome: string | null, proc: string | null): ApplyOutcome | null {
  if (outcome !== 'started') return outcome as ApplyOutcome | null;
  const [host, pid] = (proc ?? '').split(' ');
  if (host !== hostname() || pid === undefined) return 'started';
  try {
    process.kill(Number(pid), 0);
    return 'running';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'running' : 'interrupted';
  }
}

export const statusRepo = {
  async list(db: Executor): Promise<ConnectionStatus[]> {
    const rows = await db.query<Raw>(
      `SELECT connection, last_sync_at, last_sync, last_sync_error, last_apply_at, last_apply_error, last_apply_outcome,
              last_apply_audit_id, last_apply_process, last_plan_at, drift_count, reported_drift, unconverged, blocked
       FROM connection_status ORDER BY connection`,
    );
    return rows.map((r) => ({
      connection: r.connection,
      lastSyncAt: r.last_sync_at,
      lastSync: r.last_sync,
      lastSyncError: r.last_sync_error,
      lastApplyAt: r.last_apply_at,
      lastApplyError: r.last_apply_error,
      lastApplyOutcome: liveness(r.last_apply_outcome, r.last_apply_process),
      lastApplyAuditId: r.last_apply_audit_id === null ? null : Number(r.last_apply_audit_id),
      lastPlanAt: r.last_plan_at,
      driftCount: r.drift_count,
      reportedDrift: r.reported_drift,
      unconverged: r.unconverged,
      blocked: r.blocked,
    }));
  },
  async syncSucceeded(db: Executor, connection: string, counts: SyncCounts): Promise<void> {
    await db.query(
      `UPDATE connection_status SET last_sync_at = now(), last_sync = $2, last_sync_error = NULL WHERE connection = $1`,
      [connection, JSON.stringify(counts)],
    );
  },
  async syncFailed(db: Executor, connection: string, error: string): Promise<void> {
    await db.query(`UPDATE connection_status SET last_sync_at = now(), last_sync_error = $2 WHERE connection = $1`, [connection, error]);
  },
  /** A plan was computed: the drift it found, what report mode leaves, what Steward cannot do. */
  async planned(db: Executor, connection: string, found: { drift: number; reported: number; blocked: number }): Promise<void> {
    await db.query(`UPDATE connection_status SET last_plan_at = now(), drift_count = $2, reported_drift = $3, blocked = $4 WHERE connection = $1`, [
      connection,
      found.drift,
      found.reported,
      found.blocked,
    ]);
  },
  /** An apply began (its write-ahead audit event is `auditId`). */
  async applyStarted(db: Executor, connection: string, auditId: number): Promise<void> {
    await db.query(
      `UPDATE connection_status SET last_apply_outcome = 'started', last_apply_audit_id = $2, last_apply_process = $3, last_apply_error = NULL
       WHERE connection = $1`,
      [connection, auditId, PROCESS],
    );
  },
  /**
   * Record how an apply (or a no-op reconcile) ended. With a state (the statements all ran) it
   * becomes the last applied state; it is only rewritten when its digest differs, so a no-op
   * reconcile writes a few bytes, not the state. Drift left by report mode stays counted.
   */
  async applied(
    db: Executor,
    connection: string,
    r: {
      readonly outcome: Exclude<ApplyOutcome, 'started' | 'running' | 'interrupted'>;
      readonly error: string | null;
      readonly state: AccessState | null;
      readonly digest?: string;
      readonly unconverged: number;
      readonly reportedDrift: number;
      readonly blocked: number;
    },
  ): Promise<void> {
    const rows = await db.query<{ same: boolean }>(
      `UPDATE connection_status SET last_apply_at = now(), last_apply_error = $2, last_apply_outcome = $3, unconverged = $4,
         drift_count = $5, reported_drift = $5, blocked = $6
       WHERE connection = $1 RETURNING applied_digest IS NOT DISTINCT FROM $7 AS same`,
      [connection, r.error, r.outcome, r.unconverged, r.reportedDrift, r.blocked, r.digest ?? null],
    );
    if (r.state === null || (r.digest !== undefined && rows[0]?.same === true)) return;
    await db.query(`UPDATE connection_status SET applied_state = $2, applied_digest = $3 WHERE connection = $1`, [
      connection,
      JSON.stringify({ format: APPLIED_STATE_FORMAT, gzip: gzipSync(JSON.stringify(packState(r.state)), { level: 1 }).toString('base64') }),
      r.digest ?? null,
    ]);
  },
  /** The digest of the last applied state (cheap: tells whether a state held in memory is still the last one). */
  async appliedDigest(db: Executor, connection: string): Promise<string | null> {
    const rows = await db.query<{ applied_digest: string | null }>('SELECT applied_digest FROM connection_status WHERE connection = $1', [connection]);
    return rows[0]?.applied_digest ?? null;
  },
  async appliedState(db: Executor, connection: string): Promise<AccessState | null> {
    const rows = await db.query<{ applied_state: string | null }>('SELECT applied_state FROM connection_status WHERE connection = $1', [connection]);
    const text = rows[0]?.applied_state ?? null;
    if (text === null) return null;
    const stored = JSON.parse(text) as { format?: number; state?: AccessState; gzip?: string };
    if (stored.format === APPLIED_STATE_FORMAT && typeof stored.gzip === 'string') {
      return unpackState(JSON.parse(gunzipSync(Buffer.from(stored.gzip, 'base64')).toString('utf8')) as PackedState);
    }
    if (stored.format === GZIP_STATE_FORMAT && typeof stored.gzip === 'string') {
      return JSON.parse(gunzipSync(Buffer.from(stored.gzip, 'base64')).toString('utf8')) as AccessState;
    }
    // A state written before grantees were typed (format 1, a bare state) cannot be read as one:
    // treat it as absent. It only classifies drift, and the next successful apply rewrites it.
    return stored.format === PLAIN_STATE_FORMAT && stored.state !== undefined ? stored.state : null;
  },
};
