import type { Db, Executor } from '../store/db.js';
import { redactSecrets } from '../domain/errors.js';
import type { StatementResult } from '../platforms/platform.js';

export type AuditOutcome = 'ok' | 'error' | 'partial' | 'skipped' | 'started' | 'unconverged' | 'interrupted';
import { redactDeep } from '../domain/redact-deep.js';
import { auditContext } from './audit-context.js';

export interface AuditEvent {
  readonly id: number;
  readonly at: string;
  /** Who: `user:<name>` (a token acting as that user), `token:<name>`, `cli:<os user>`, `scheduler`. */
  readonly actor: string;
  readonly action: string;
  readonly connection: string | null;
  /** What the change was made to, e.g. `policy:analysts-read`, `connection:wh`, `tag:wh/db/t#pii`. */
  readonly target: string | null;
  readonly outcome: string;
  readonly summary: string;
  /** The target before and after the change (null when it did not exist); secrets redacted. */
  readonly before: unknown;
  readonly after: unknown;
  /** The token an acting user came through. */
  readonly via: string | null;
  /** The request id of the API call that made the change (also in the server's log line). */
  readonly requestId: string | null;
  readonly details: unknown;
}

export interface AuditInput {
  readonly actor: string;
  readonly action: string;
  readonly connection?: string | null;
  /** Default: `connection:<connection>` when a connection is given. */
  readonly target?: string | null;
  readonly outcome: AuditOutcome;
  readonly summary: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly details?: unknown;
}

/** One statement an apply ran (or tried), as the log keeps it. */
export interface LoggedStatement {
  readonly seq: number;
  readonly op: number;
  readonly database: string | null;
  readonly runAs: string | null;
  readonly sql: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error: string | null;
  readonly at: string;
}

export interface AuditFilter {
  readonly connection?: string;
  /** An action (`policy.put`), or a family of them ending in `.*` (`policy.*`: `policy.put`, `policy.delete`). */
  readonly action?: string;
  readonly actor?: string;
  /** Events at or after this time (ISO 8601). */
  readonly since?: string;
  readonly limit?: number;
  readonly before?: number;
}

interface Raw {
  id: string;
  at: Date;
  actor: string;
  action: string;
  connection: string | null;
  target: string | null;
  outcome: string;
  summary: string;
  before_state: unknown;
  after_state: unknown;
  via: string | null;
  request_id: string | null;
  details: unknown;
  /** What `finish` added (migration 25); merged over `details` when read. */
  result: Record<string, unknown> | null;
}

/** `details` with `result`'s keys over it, as one value (what a jsonb `||` merge made before migration 25). */
function mergedDetails(details: unknown, result: Record<string, unknown> | null): unknown {
  if (result === null) return details;
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return result;
  return { ...details, ...result };
}

const toEvent = (r: Raw): AuditEvent => ({
  id: Number(r.id),
  at: new Date(r.at).toISOString(),
  actor: r.actor,
  action: r.action,
  connection: r.connection,
  target: r.target,
  outcome: r.outcome,
  summary: r.summary,
  before: r.before_state,
  after: r.after_state,
  via: r.via,
  requestId: r.request_id,
  details: mergedDetails(r.details, r.result),
});

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(redactDeep(v)));

/**
 * The audit log: every admin action and every statement run against a database. Applies are
 * written ahead: `begin` records the plan before the first statement (committed at once, outside
 * any caller transaction), `statements` appends outcomes as they come, `finish` closes the event.
 * An event left `started` by a killed process is marked `interrupted` by the next apply of the
 * connection (which holds the connection's lock, so the first cannot still be running).
 */
export function createAuditService(deps: { db: Db }) {
  const { db } = deps;
  return {
    /**
     * Record inside the caller's transaction, so the event lands exactly when the change does.
     * Everything stored is redacted here, whatever the caller passed.
     */
    async record(tx: Executor, e: AuditInput): Promise<number> {
      const ctx = auditContext.getStore();
      const target = e.target ?? (e.connection ? `connection:${e.connection}` : null);
      const rows = await tx.query<{ id: string }>(
        `INSERT INTO audit_events (actor, action, connection, target, outcome, summary, before_state, after_state, via, request_id, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
        [
          e.actor, e.action, e.connection ?? null, target === null ? null : redactSecrets(target), e.outcome, redactSecrets(e.summary),
          json(e.before), json(e.after), ctx?.via ?? null, ctx?.requestId ?? null, json(e.details),
        ],
      );
      return Number(rows[0]!.id);
    },

    /** Start a write-ahead event (outcome `started`), committed before the caller goes on. */
    async begin(e: Omit<AuditInput, 'outcome'>): Promise<number> {
      return this.record(db, { ...e, outcome: 'started' });
    },

    /** Append statement outcomes to an event, in one round trip. */
    async statements(auditId: number, from: number, results: readonly StatementResult[]): Promise<void> {
      if (results.length === 0) return;
      await db.query(
        `INSERT INTO apply_statements (audit_id, seq, op, database, run_as, sql, ok, ms, error)
         SELECT $1, * FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::real[], $9::text[])`,
        [
          auditId,
          results.map((_r, i) => from + i),
          results.map((r) => r.statement.op),
          results.map((r) => r.statement.database),
          results.map((r) => r.statement.runAs ?? null),
          results.map((r) => r.statement.sql),
          results.map((r) => r.ok),
          results.map((r) => r.ms),
          results.map((r) => (r.error === undefined ? null : redactSecrets(r.error))),
        ],
      );
    },

    /** Close a write-ahead event: its outcome, a summary, and details merged into those it began with. */
    async finish(auditId: number, outcome: AuditOutcome, summary: string, details: Record<string, unknown> = {}): Promise<void> {
      await db.query(
        `UPDATE audit_events SET outcome = $2, summary = $3, result = coalesce(result, '{}'::jsonb) || $4::jsonb WHERE id = $1`,
        [auditId, outcome, redactSecrets(summary), json(details) ?? '{}'],
      );
    },

    /** Mark events of `connection` still `started` as `interrupted`; returns their ids. */
    async markInterrupted(connection: string): Promise<number[]> {
      const rows = await db.query<{ id: string }>(
        `UPDATE audit_events SET outcome = 'interrupted',
           summary = summary || ' (interrupted: the process ended before the apply finished)'
         WHERE connection = $1 AND outcome = 'started' RETURNING id`,
        [connection],
      );
      return rows.map((r) => Number(r.id));
    },

    async list(filter: AuditFilter = {}): Promise<AuditEvent[]> {
      const rows = await deps.db.query<Raw>(
        `SELECT * FROM audit_events
          WHERE ($1::text IS NULL OR connection = $1)
            AND ($2::text IS NULL OR action = $2 OR (right($2, 2) = '.*' AND starts_with(action, left($2, -1))))
            AND ($3::text IS NULL OR actor = $3)
            AND ($4::timestamptz IS NULL OR at >= $4)
            AND ($5::bigint IS NULL OR id < $5)
          ORDER BY id DESC LIMIT $6`,
        [filter.connection ?? null, filter.action ?? null, filter.actor ?? null, filter.since ?? null, filter.before ?? null, filter.limit ?? 50],
      );
      return rows.map(toEvent);
    },

    /** One event in full; an apply's statements (as they were logged) are in `details.statements`. */
    async get(id: number): Promise<AuditEvent | null> {
      const rows = await deps.db.query<Raw>('SELECT * FROM audit_events WHERE id = $1', [id]);
      const r = rows[0];
      if (!r) return null;
      const event = toEvent(r);
      const logged = await db.query<{ seq: number; op: number; database: string | null; run_as: string | null; sql: string; ok: boolean; ms: number; error: string | null; at: Date }>(
        'SELECT seq, op, database, run_as, sql, ok, ms, error, at FROM apply_statements WHERE audit_id = $1 ORDER BY seq',
        [id],
      );
      if (logged.length === 0) return event;
      const statements: LoggedStatement[] = logged.map((s) => ({
        seq: s.seq,
        op: s.op,
        database: s.database,
        runAs: s.run_as,
        sql: s.sql,
        ok: s.ok,
        ms: Math.round(s.ms * 10) / 10,
        error: s.error,
        at: new Date(s.at).toISOString(),
      }));
      const details = typeof event.details === 'object' && event.details !== null ? event.details : {};
      return { ...event, details: { ...details, statements } };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
