import type { Executor } from './db.js';

/** A row of the outbox (see migrations-jobs.ts). */
export interface OutboxEvent {
  readonly id: number;
  readonly type: string;
  readonly connection: string | null;
  readonly data: Record<string, unknown>;
  readonly createdAt: Date;
}

interface Raw {
  id: string | number;
  type: string;
  connection: string | null;
  data: Record<string, unknown>;
  created_at: Date | string;
}

const toEvent = (r: Raw): OutboxEvent => ({ id: Number(r.id), type: r.type, connection: r.connection, data: r.data, createdAt: new Date(r.created_at) });

export const eventsRepo = {
  /** Record events, to be dispatched (webhooks, jobs) after the caller's transaction commits. */
  async add(db: Executor, events: readonly { type: string; connection?: string | null; data: unknown }[]): Promise<void> {
    if (events.length === 0) return;
    await db.query(
      `INSERT INTO events (type, connection, data) SELECT t, c, d::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS x(t, c, d)`,
      [events.map((e) => e.type), events.map((e) => e.connection ?? null), events.map((e) => JSON.stringify(e.data))],
    );
  },
  /**
   * Claim up to `limit` pending events, oldest first. Rows another server is claiming are
   * skipped, so each event is dispatched once however many servers run.
   */
  async claim(db: Executor, limit: number): Promise<OutboxEvent[]> {
    const rows = await db.query<Raw>(
      `UPDATE events SET dispatched_at = now() WHERE id IN (
         SELECT id FROM events WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, type, connection, data, created_at`,
      [limit],
    );
    return rows.map(toEvent).sort((a, b) => a.id - b.id);
  },
  async remove(db: Executor, ids: readonly number[]): Promise<void> {
    if (ids.length > 0) await db.query('DELETE FROM events WHERE id = ANY($1::bigint[])', [ids]);
  },
  async get(db: Executor, id: number): Promise<OutboxEvent | null> {
    const rows = await db.query<Raw>('SELECT id, type, connection, data, created_at FROM events WHERE id = $1', [id]);
    return rows[0] ? toEvent(rows[0]) : null;
  },
};
