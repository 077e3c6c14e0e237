import type { Executor } from './db.js';

export type HealthStatus = 'healthy' | 'degraded' | 'error' | 'disabled';

/** What the jobs learned about one connection (see services/health-service.ts for the verdict). */
export interface HealthRow {
  readonly connection: string;
  /** The status last computed and announced. */
  readonly status: HealthStatus;
  readonly reachable: boolean | null;
  readonly lastProbeAt: Date | null;
  readonly lastOkAt: Date | null;
  readonly lastError: string | null;
  readonly lastErrorAt: Date | null;
  /** Steward cannot sync or enforce on this connection's platform (yet). */
  readonly unsupported: boolean;
  /** The system account's privilege check at the last probe: null until one ran. */
  readonly privilegesOk: boolean | null;
  readonly privilegesMissing: readonly string[] | null;
  readonly notifiedPlanDigest: string | null;
  readonly changedAt: Date;
}

interface Raw {
  connection: string;
  status: HealthStatus;
  reachable: boolean | null;
  last_probe_at: Date | string | null;
  last_ok_at: Date | string | null;
  last_error: string | null;
  last_error_at: Date | string | null;
  unsupported: boolean;
  privileges_ok: boolean | null;
  privileges_missing: string[] | null;
  notified_plan_digest: string | null;
  changed_at: Date | string;
}

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));
const toRow = (r: Raw): HealthRow => ({
  connection: r.connection,
  status: r.status,
  reachable: r.reachable,
  lastProbeAt: date(r.last_probe_at),
  lastOkAt: date(r.last_ok_at),
  lastError: r.last_error,
  lastErrorAt: date(r.last_error_at),
  unsupported: r.unsupported,
  privilegesOk: r.privileges_ok,
  privilegesMissing: r.privileges_missing,
  notifiedPlanDigest: r.notified_plan_digest,
  changedAt: new Date(r.changed_at),
});

/** Upsert then update: a connection's row appears with its first observation. */
const ENSURE = `INSERT INTO connection_health (connection) SELECT $1 WHERE EXISTS (SELECT 1 FROM connections WHERE name = $1) ON CONFLICT DO NOTHING`;

export const healthRepo = {
  async list(db: Executor): Promise<HealthRow[]> {
    return (await db.query<Raw>('SELECT * FROM connection_health ORDER BY connection')).map(toRow);
  },
  async get(db: Executor, connection: string): Promise<HealthRow | null> {
    const rows = await db.query<Raw>('SELECT * FROM connection_health WHERE connection = $1', [connection]);
    return rows[0] ? toRow(rows[0]) : null;
  },
  /** A job or probe on the connection succeeded. */
  async ok(db: Executor, connection: string, probe?: { privilegesOk: boolean; missing: readonly string[] }): Promise<void> {
    await db.query(ENSURE, [connection]);
    await db.query(
      `UPDATE connection_health SET last_ok_at = now(), reachable = true, unsupported = false,
         last_probe_at = CASE WHEN $2 THEN now() ELSE last_probe_at END,
         privileges_ok = CASE WHEN $2 THEN $3 ELSE privileges_ok END,
         privileges_missing = CASE WHEN $2 THEN $4::jsonb ELSE privileges_missing END
       WHERE connection = $1`,
      [connection, probe !== undefined, probe?.privilegesOk ?? null, probe ? JSON.stringify(probe.missing) : null],
    );
  },
  /** A job or probe failed; `reachable` false when the database could not be reached at all. */
  async failed(db: Executor, connection: string, error: string, opts: { reachable?: boolean; unsupported?: boolean; probe?: boolean } = {}): Promise<void> {
    await db.query(ENSURE, [connection]);
    await db.query(
      `UPDATE connection_health SET last_error = $2, last_error_at = now(),
         reachable = COALESCE($3, reachable), unsupported = $4,
         last_probe_at = CASE WHEN $5 THEN now() ELSE last_probe_at END
       WHERE connection = $1`,
      [connection, error, opts.reachable ?? null, opts.unsupported === true, opts.probe === true],
    );
  },
  async setStatus(db: Executor, connection: string, status: HealthStatus): Promise<void> {
    await db.query(ENSURE, [connection]);
    await db.query('UPDATE connection_health SET status = $2, changed_at = now() WHERE connection = $1', [connection, status]);
  },
  /** Remember the plan last announced by `plan.notified`; returns false when it is the same. */
  async noteNotifiedPlan(db: Executor, connection: string, digest: string): Promise<boolean> {
    await db.query(ENSURE, [connection]);
    const rows = await db.query(
      `UPDATE connection_health SET notified_plan_digest = $2 WHERE connection = $1 AND notified_plan_digest IS DISTINCT FROM $2 RETURNING connection`,
      [connection, digest],
    );
    return rows.length === 1;
  },
};
