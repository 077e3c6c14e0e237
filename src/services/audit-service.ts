import type { Db, Executor } from '../store/db.js';
import { redactSecrets } from '../domain/errors.js';
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
  readonly outcome: 'ok' | 'error' | 'partial' | 'skipped';
  readonly summary: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly details?: unknown;
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
  details: r.details,
});

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(redactDeep(v)));

/** The audit log: every admin action and every statement run against a database. */
export function createAuditService(deps: { db: Db }) {
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

    async get(id: number): Promise<AuditEvent | null> {
      const rows = await deps.db.query<Raw>('SELECT * FROM audit_events WHERE id = $1', [id]);
      return rows[0] ? toEvent(rows[0]) : null;
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
