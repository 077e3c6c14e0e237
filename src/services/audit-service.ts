import type { Db, Executor } from '../store/db.js';
import { redactSecrets } from '../domain/errors.js';

export interface AuditEvent {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly connection: string | null;
  readonly outcome: string;
  readonly summary: string;
  readonly details: unknown;
}

export interface AuditInput {
  readonly actor: string;
  readonly action: string;
  readonly connection?: string | null;
  readonly outcome: 'ok' | 'error' | 'partial' | 'skipped';
  readonly summary: string;
  readonly details?: unknown;
}

interface Raw {
  id: string;
  at: Date;
  actor: string;
  action: string;
  connection: string | null;
  outcome: string;
  summary: string;
  details: unknown;
}

/** The audit log: every admin action and every statement run against a database. */
export function createAuditService(deps: { db: Db }) {
  return {
    /** Record inside the caller's transaction, so the event lands exactly when the change does. */
    async record(tx: Executor, e: AuditInput): Promise<number> {
      const rows = await tx.query<{ id: string }>(
        `INSERT INTO audit_events (actor, action, connection, outcome, summary, details) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [e.actor, e.action, e.connection ?? null, e.outcome, redactSecrets(e.summary), e.details === undefined ? null : JSON.stringify(e.details)],
      );
      return Number(rows[0]!.id);
    },

    async list(filter: { connection?: string; action?: string; limit?: number; before?: number } = {}): Promise<AuditEvent[]> {
      const rows = await deps.db.query<Raw>(
        `SELECT * FROM audit_events WHERE ($1::text IS NULL OR connection = $1) AND ($2::text IS NULL OR action = $2)
           AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT $4`,
        [filter.connection ?? null, filter.action ?? null, filter.before ?? null, filter.limit ?? 50],
      );
      return rows.map((r) => ({ ...r, id: Number(r.id), at: new Date(r.at).toISOString() }));
    },

    async get(id: number): Promise<AuditEvent | null> {
      const rows = await deps.db.query<Raw>('SELECT * FROM audit_events WHERE id = $1', [id]);
      const r = rows[0];
      return r ? { ...r, id: Number(r.id), at: new Date(r.at).toISOString() } : null;
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
