import type { AccessState } from '../domain/access.js';
import type { Executor } from './db.js';

export interface ConnectionStatus {
  readonly connection: string;
  readonly lastSyncAt: Date | null;
  readonly lastSync: SyncCounts | null;
  readonly lastSyncError: string | null;
  readonly lastApplyAt: Date | null;
  readonly lastApplyError: string | null;
  readonly lastPlanAt: Date | null;
  readonly driftCount: number;
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
  last_plan_at: Date | null;
  drift_count: number;
}

/** Version of the stored last-applied state; 2: typed grantees. */
const APPLIED_STATE_FORMAT = 2;

export const statusRepo = {
  async list(db: Executor): Promise<ConnectionStatus[]> {
    const rows = await db.query<Raw>(
      `SELECT connection, last_sync_at, last_sync, last_sync_error, last_apply_at, last_apply_error, last_plan_at, drift_count
       FROM connection_status ORDER BY connection`,
    );
    return rows.map((r) => ({
      connection: r.connection,
      lastSyncAt: r.last_sync_at,
      lastSync: r.last_sync,
      lastSyncError: r.last_sync_error,
      lastApplyAt: r.last_apply_at,
      lastApplyError: r.last_apply_error,
      lastPlanAt: r.last_plan_at,
      driftCount: r.drift_count,
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
  async planned(db: Executor, connection: string, driftCount: number): Promise<void> {
    await db.query(`UPDATE connection_status SET last_plan_at = now(), drift_count = $2 WHERE connection = $1`, [connection, driftCount]);
  },
  /**
   * Record an apply. With a state (the apply succeeded) it becomes the last applied state; it is
   * only rewritten when its digest differs, so a no-op reconcile writes a few bytes, not the state.
   */
  async applied(db: Executor, connection: string, error: string | null, state: AccessState | null, digest?: string): Promise<void> {
    if (state === null) {
      await db.query(`UPDATE connection_status SET last_apply_at = now(), last_apply_error = $2 WHERE connection = $1`, [connection, error]);
      return;
    }
    const rows = await db.query<{ same: boolean }>(
      `UPDATE connection_status SET last_apply_at = now(), last_apply_error = $2, drift_count = 0 WHERE connection = $1
       RETURNING applied_digest IS NOT DISTINCT FROM $3 AS same`,
      [connection, error, digest ?? null],
    );
    if (digest !== undefined && rows[0]?.same === true) return;
    await db.query(`UPDATE connection_status SET applied_state = $2, applied_digest = $3 WHERE connection = $1`, [
      connection,
      JSON.stringify({ format: APPLIED_STATE_FORMAT, state }),
      digest ?? null,
    ]);
  },
  async appliedState(db: Executor, connection: string): Promise<AccessState | null> {
    const rows = await db.query<{ applied_state: string | null }>('SELECT applied_state FROM connection_status WHERE connection = $1', [connection]);
    const text = rows[0]?.applied_state ?? null;
    if (text === null) return null;
    const stored = JSON.parse(text) as { format?: number; state?: AccessState };
    // A state written before grantees were typed (format 1, a bare state) cannot be read as one:
    // treat it as absent. It only classifies drift, and the next successful apply rewrites it.
    return stored.format === APPLIED_STATE_FORMAT && stored.state !== undefined ? stored.state : null;
  },
};
