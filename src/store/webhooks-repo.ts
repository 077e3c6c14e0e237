import type { Executor } from './db.js';

export interface WebhookRow {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly secretSealed: string;
  readonly previousSecretSealed: string | null;
  readonly previousSecretUntil: Date | null;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'retrying' | 'failed' | 'gone' | 'skipped';

export interface DeliveryRow {
  /** The Standard Webhooks message id (`webhook-id`): the same on every attempt. */
  readonly id: string;
  readonly webhookId: string;
  readonly eventId: number;
  readonly type: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: Date | null;
  readonly lastAttemptAt: Date | null;
  readonly responseCode: number | null;
  readonly createdAt: Date;
}

export interface AttemptRow {
  readonly at: Date;
  readonly responseCode: number | null;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly responseExcerpt: string | null;
  readonly error: string | null;
}

type Raw = Record<string, unknown>;
const d = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

const toWebhook = (r: Raw): WebhookRow => ({
  id: r.id as string,
  url: r.url as string,
  events: r.events as string[],
  secretSealed: r.secret_sealed as string,
  previousSecretSealed: r.previous_secret_sealed as string | null,
  previousSecretUntil: d(r.previous_secret_until),
  enabled: r.enabled as boolean,
  disabledReason: r.disabled_reason as string | null,
  createdAt: d(r.created_at)!,
  updatedAt: d(r.updated_at)!,
});

const toDelivery = (r: Raw): DeliveryRow => ({
  id: r.id as string,
  webhookId: r.webhook_id as string,
  eventId: Number(r.event_id),
  type: r.type as string,
  status: r.status as DeliveryStatus,
  attempts: Number(r.attempts),
  nextAttemptAt: d(r.next_attempt_at),
  lastAttemptAt: d(r.last_attempt_at),
  responseCode: r.response_code === null ? null : Number(r.response_code),
  createdAt: d(r.created_at)!,
});

export const webhooksRepo = {
  async insert(db: Executor, w: { id: string; url: string; events: readonly string[]; secretSealed: string }): Promise<void> {
    await db.query('INSERT INTO webhooks (id, url, events, secret_sealed) VALUES ($1, $2, $3, $4)', [w.id, w.url, w.events, w.secretSealed]);
  },
  async list(db: Executor): Promise<WebhookRow[]> {
    return (await db.query<Raw>('SELECT * FROM webhooks ORDER BY created_at, id')).map(toWebhook);
  },
  async get(db: Executor, id: string): Promise<WebhookRow | null> {
    const rows = await db.query<Raw>('SELECT * FROM webhooks WHERE id = $1', [id]);
    return rows[0] ? toWebhook(rows[0]) : null;
  },
  async remove(db: Executor, id: string): Promise<boolean> {
    return (await db.query('DELETE FROM webhooks WHERE id = $1 RETURNING id', [id])).length > 0;
  },
  async rotate(db: Executor, id: string, secretSealed: string, previousSealed: string, graceMs: number): Promise<void> {
    await db.query(
      `UPDATE webhooks SET secret_sealed = $2, previous_secret_sealed = $3, previous_secret_until = now() + $4 * interval '1 millisecond', updated_at = now() WHERE id = $1`,
      [id, secretSealed, previousSealed, graceMs],
    );
  },
  async setEnabled(db: Executor, id: string, enabled: boolean, reason: string | null): Promise<void> {
    await db.query('UPDATE webhooks SET enabled = $2, disabled_reason = $3, updated_at = now() WHERE id = $1', [id, enabled, reason]);
  },

  /**
   * One delivery per (event, enabled endpoint subscribed to its type or to `*`), for a batch of
   * events in one statement; returns the new deliveries' ids.
   */
  async fanOut(db: Executor, events: readonly { id: number; type: string }[], newId: () => string): Promise<string[]> {
    if (events.length === 0) return [];
    const hooks = await db.query<{ id: string; events: string[] }>('SELECT id, events FROM webhooks WHERE enabled ORDER BY id');
    const pairs: { id: string; hook: string; event: number; type: string }[] = [];
    for (const e of events) {
      for (const h of hooks) if (h.events.includes(e.type) || h.events.includes('*')) pairs.push({ id: newId(), hook: h.id, event: e.id, type: e.type });
    }
    if (pairs.length === 0) return [];
    const rows = await db.query<{ id: string }>(
      `INSERT INTO webhook_deliveries (id, webhook_id, event_id, type)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
       ON CONFLICT (webhook_id, event_id) DO NOTHING RETURNING id`,
      [pairs.map((p) => p.id), pairs.map((p) => p.hook), pairs.map((p) => p.event), pairs.map((p) => p.type)],
    );
    return rows.map((r) => r.id);
  },
  async delivery(db: Executor, id: string): Promise<DeliveryRow | null> {
    const rows = await db.query<Raw>('SELECT * FROM webhook_deliveries WHERE id = $1', [id]);
    return rows[0] ? toDelivery(rows[0]) : null;
  },
  async deliveries(db: Executor, webhookId: string, limit: number): Promise<DeliveryRow[]> {
    return (await db.query<Raw>('SELECT * FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id LIMIT $2', [webhookId, limit])).map(toDelivery);
  },
  async attempts(db: Executor, deliveryIds: readonly string[]): Promise<Map<string, AttemptRow[]>> {
    const rows = await db.query<Raw>('SELECT * FROM webhook_attempts WHERE delivery_id = ANY($1::text[]) ORDER BY id', [deliveryIds]);
    const out = new Map<string, AttemptRow[]>();
    for (const r of rows) {
      const list = out.get(r.delivery_id as string) ?? [];
      list.push({
        at: d(r.at)!,
        responseCode: r.response_code === null ? null : Number(r.response_code),
        ok: r.ok as boolean,
        durationMs: Number(r.duration_ms),
        responseExcerpt: r.response_excerpt as string | null,
        error: r.error as string | null,
      });
      out.set(r.delivery_id as string, list);
    }
    return out;
  },
  /** Record one attempt and the delivery's new state in one statement pair. */
  async recordAttempt(
    db: Executor,
    deliveryId: string,
    a: Omit<AttemptRow, 'at'>,
    next: { status: DeliveryStatus; nextAttemptAt: Date | null },
  ): Promise<void> {
    await db.query(
      `INSERT INTO webhook_attempts (delivery_id, response_code, ok, duration_ms, response_excerpt, error) VALUES ($1, $2, $3, $4, $5, $6)`,
      [deliveryId, a.responseCode, a.ok, a.durationMs, a.responseExcerpt, a.error],
    );
    await db.query(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now(), response_code = $2, status = $3, next_attempt_at = $4 WHERE id = $1`,
      [deliveryId, a.responseCode, next.status, next.nextAttemptAt?.toISOString() ?? null],
    );
  },
  async setDeliveryStatus(db: Executor, deliveryId: string, status: DeliveryStatus): Promise<void> {
    await db.query('UPDATE webhook_deliveries SET status = $2, next_attempt_at = NULL WHERE id = $1', [deliveryId, status]);
  },
};
