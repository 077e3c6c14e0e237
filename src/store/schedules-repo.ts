import type { Executor } from './db.js';

export type ScheduleKind = 'sync' | 'drift' | 'probe';

export interface ScheduleRow {
  readonly connection: string;
  readonly kind: ScheduleKind;
  readonly nextAt: Date;
}

/** When each periodic job of each connection is next due (see scheduler.ts). */
export const schedulesRepo = {
  /** Every row, locked for this transaction; rows another server holds are skipped. */
  async lockAll(db: Executor): Promise<ScheduleRow[]> {
    const rows = await db.query<{ connection: string; kind: ScheduleKind; next_at: Date | string }>(
      'SELECT connection, kind, next_at FROM job_schedules ORDER BY connection, kind FOR UPDATE SKIP LOCKED',
    );
    return rows.map((r) => ({ connection: r.connection, kind: r.kind, nextAt: new Date(r.next_at) }));
  },
  async set(db: Executor, rows: readonly ScheduleRow[]): Promise<void> {
    if (rows.length === 0) return;
    await db.query(
      `INSERT INTO job_schedules (connection, kind, next_at)
       SELECT c, k, n FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS x(c, k, n)
       WHERE EXISTS (SELECT 1 FROM connections WHERE name = c)
       ON CONFLICT (connection, kind) DO UPDATE SET next_at = EXCLUDED.next_at`,
      [rows.map((r) => r.connection), rows.map((r) => r.kind), rows.map((r) => r.nextAt.toISOString())],
    );
  },
  /** Create the rows that do not exist yet (existing ones keep their due time). */
  async ensure(db: Executor, rows: readonly ScheduleRow[]): Promise<void> {
    if (rows.length === 0) return;
    await db.query(
      `INSERT INTO job_schedules (connection, kind, next_at)
       SELECT c, k, n FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS x(c, k, n)
       WHERE EXISTS (SELECT 1 FROM connections WHERE name = c)
       ON CONFLICT (connection, kind) DO NOTHING`,
      [rows.map((r) => r.connection), rows.map((r) => r.kind), rows.map((r) => r.nextAt.toISOString())],
    );
  },
  async remove(db: Executor, connection: string, kinds?: readonly ScheduleKind[]): Promise<void> {
    await db.query('DELETE FROM job_schedules WHERE connection = $1 AND ($2::text[] IS NULL OR kind = ANY($2::text[]))', [connection, kinds ?? null]);
  },
  async now(db: Executor): Promise<Date> {
    const rows = await db.query<{ now: Date | string }>('SELECT now() AS now');
    return new Date(rows[0]!.now);
  },
};
