/** The event types a webhook endpoint can subscribe to (INTERFACE.md), and their payloads' shape. */
export const WEBHOOK_EVENT_TYPES = [
  'access.granted',
  'access.revoked',
  'datasource.added',
  'datasource.removed',
  'policy.created',
  'policy.updated',
  'policy.deleted',
  'drift.detected',
  'connection.health_changed',
  'apply.failed',
  'plan.notified',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(t: string): t is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(t);
}

/** The body every endpoint receives: `{ type, timestamp, data }` (Standard Webhooks). */
export function webhookBody(type: string, at: Date, data: unknown): string {
  return JSON.stringify({ type, timestamp: at.toISOString(), data });
}
