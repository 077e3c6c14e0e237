/**
 * Webhook endpoints: register (URL checked, secret generated and shown once), list, remove,
 * rotate the secret (the old one keeps signing beside the new one for a grace period), the
 * delivery history, and manual redelivery. Sending is the jobs' work (src/jobs/webhook-worker.ts):
 * this service only writes the store, so it works the same from the API and the CLI.
 */
import { randomBytes } from 'node:crypto';
import { StewardError, invalidInput, notFound } from '../domain/errors.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Db } from '../store/db.js';
import { eventsRepo } from '../store/events-repo.js';
import { webhooksRepo, type AttemptRow, type DeliveryRow, type WebhookRow } from '../store/webhooks-repo.js';
import type { AuditService } from './audit-service.js';
import { WEBHOOK_EVENT_TYPES, isWebhookEventType } from './webhook-events.js';
import { newWebhookSecret } from './webhook-signing.js';
import { checkWebhookTarget, parseWebhookUrl } from './webhook-target.js';

export interface WebhookView {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  /** Until when the previous secret still signs (after a rotation). */
  readonly previousSecretValidUntil: string | null;
  readonly createdAt: string;
}

export interface DeliveryView {
  readonly id: string;
  readonly type: string;
  readonly eventId: number;
  readonly status: DeliveryRow['status'];
  readonly attempts: number;
  readonly responseCode: number | null;
  readonly createdAt: string;
  readonly lastAttemptAt: string | null;
  readonly nextAttemptAt: string | null;
  readonly history: readonly (Omit<AttemptRow, 'at'> & { at: string })[];
}

/** Internal outbox type asking the jobs to send a delivery again. */
export const REDELIVER_EVENT = 'internal.redeliver';
/** How long the previous secret keeps signing after a rotation, unless told otherwise. */
export const DEFAULT_ROTATION_GRACE_MS = 24 * 3600 * 1000;

const sealContext = (id: string): string => `webhook:${id}`;
const iso = (v: Date | null): string | null => (v === null ? null : v.toISOString());

function view(w: WebhookRow, now = new Date()): WebhookView {
  const rotating = w.previousSecretUntil !== null && w.previousSecretUntil > now;
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    enabled: w.enabled,
    disabledReason: w.disabledReason,
    previousSecretValidUntil: rotating ? iso(w.previousSecretUntil) : null,
    createdAt: w.createdAt.toISOString(),
  };
}

function checkEvents(events: readonly string[]): string[] {
  if (events.length === 0) throw invalidInput('events', 'name at least one event type', `choose from: ${WEBHOOK_EVENT_TYPES.join(', ')} (or * for all)`);
  events.forEach((e, i) => {
    if (e !== '*' && !isWebhookEventType(e)) throw invalidInput(`events[${i}]`, `unknown event type "${e}"`, `choose from: ${WEBHOOK_EVENT_TYPES.join(', ')} (or * for all)`);
  });
  return [...new Set(events)].sort();
}

export function createWebhookService(deps: { db: Db; box: SecretBox; audit: AuditService }) {
  const { db, box, audit } = deps;
  // Set by `serve --allow-private-webhooks`; registrations elsewhere (the CLI on a store) refuse them.
  let allowPrivate = false;

  async function row(id: string): Promise<WebhookRow> {
    const w = await webhooksRepo.get(db, id);
    if (!w) throw notFound('webhook', id, 'list webhooks with: steward webhook list');
    return w;
  }

  return {
    allowPrivateTargets(allow: boolean): void {
      allowPrivate = allow;
    },

    /** Register an endpoint; the secret is returned here and never again. */
    async add(input: { url: string; events: readonly string[] }, actor: string): Promise<WebhookView & { secret: string }> {
      const url = parseWebhookUrl(input.url);
      const events = checkEvents(input.events);
      await checkWebhookTarget(url, allowPrivate);
      const id = `wh_${randomBytes(9).toString('base64url')}`;
      const secret = newWebhookSecret();
      await db.transaction(async (tx) => {
        await webhooksRepo.insert(tx, { id, url: url.toString(), events, secretSealed: box.seal(secret, sealContext(id)) });
        await audit.record(tx, { actor, action: 'webhook.add', outcome: 'ok', summary: `${id} ${url.origin}`, details: { id, events } });
      });
      return { ...view(await row(id)), secret };
    },

    async list(): Promise<WebhookView[]> {
      const now = new Date();
      return (await webhooksRepo.list(db)).map((w) => view(w, now));
    },

    async get(id: string): Promise<WebhookView> {
      return view(await row(id));
    },

    async remove(id: string, actor: string): Promise<void> {
      await db.transaction(async (tx) => {
        if (!(await webhooksRepo.remove(tx, id))) throw notFound('webhook', id, 'list webhooks with: steward webhook list');
        await audit.record(tx, { actor, action: 'webhook.remove', outcome: 'ok', summary: id });
      });
    },

    /** New secret; the old one signs alongside it until `graceMs` has passed. */
    async rotate(id: string, actor: string, graceMs = DEFAULT_ROTATION_GRACE_MS): Promise<{ secret: string; previousSecretValidUntil: string }> {
      if (!Number.isFinite(graceMs) || graceMs < 0) throw invalidInput('grace', 'must be a duration of 0 or more');
      const w = await row(id);
      const secret = newWebhookSecret();
      await db.transaction(async (tx) => {
        await webhooksRepo.rotate(tx, id, box.seal(secret, sealContext(id)), w.secretSealed, graceMs);
        await audit.record(tx, { actor, action: 'webhook.rotate', outcome: 'ok', summary: id, details: { graceMs } });
      });
      const after = await row(id);
      return { secret, previousSecretValidUntil: after.previousSecretUntil!.toISOString() };
    },

    /** Turn a disabled endpoint (HTTP 410, or by hand) back on. */
    async enable(id: string, actor: string): Promise<WebhookView> {
      await row(id);
      await db.transaction(async (tx) => {
        await webhooksRepo.setEnabled(tx, id, true, null);
        await audit.record(tx, { actor, action: 'webhook.enable', outcome: 'ok', summary: id });
      });
      return view(await row(id));
    },

    async deliveries(id: string, limit = 50): Promise<DeliveryView[]> {
      await row(id);
      const list = await webhooksRepo.deliveries(db, id, limit);
      const attempts = await webhooksRepo.attempts(db, list.map((d) => d.id));
      return list.map((d) => ({
        id: d.id,
        type: d.type,
        eventId: d.eventId,
        status: d.status,
        attempts: d.attempts,
        responseCode: d.responseCode,
        createdAt: d.createdAt.toISOString(),
        lastAttemptAt: iso(d.lastAttemptAt),
        nextAttemptAt: iso(d.nextAttemptAt),
        history: (attempts.get(d.id) ?? []).map((a) => ({ ...a, at: a.at.toISOString() })),
      }));
    },

    /** Send a delivery again (same message id, a fresh timestamp and signature). */
    async redeliver(id: string, deliveryId: string, actor: string): Promise<void> {
      const w = await row(id);
      const d = await webhooksRepo.delivery(db, deliveryId);
      if (!d || d.webhookId !== id) throw notFound('delivery', deliveryId, `list deliveries with: steward webhook deliveries ${id}`);
      if (!w.enabled) {
        throw new StewardError('conflict', `webhook "${id}" is disabled${w.disabledReason ? ` (${w.disabledReason})` : ''}`, {
          hint: `enable it first: steward webhook enable ${id}`,
        });
      }
      await db.transaction(async (tx) => {
        await webhooksRepo.setDeliveryStatus(tx, deliveryId, 'pending');
        await eventsRepo.add(tx, [{ type: REDELIVER_EVENT, data: { delivery: deliveryId } }]);
        await audit.record(tx, { actor, action: 'webhook.redeliver', outcome: 'ok', summary: `${id} ${deliveryId}` });
      });
    },

    /** The secrets that sign a delivery now: the current one, and the previous during its grace period. */
    async signingSecrets(w: WebhookRow, now: Date): Promise<string[]> {
      const out = [box.open(w.secretSealed, sealContext(w.id))];
      if (w.previousSecretSealed && w.previousSecretUntil && w.previousSecretUntil > now) out.push(box.open(w.previousSecretSealed, sealContext(w.id)));
      return out;
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
