import type { BrowseResult, ObjectView } from '../catalog/catalog-service.js';
import type { SyncReport } from '../catalog/sync-service.js';
import type { ConfigFile } from '../config/schema.js';
import type { ConfigApplyResult } from '../services/config-service.js';
import type { AuditEvent } from '../services/audit-service.js';
import type { ConnectionInput, ConnectionView } from '../services/connection-service.js';
import type { CheckReport, StatementResult } from '../platforms/platform.js';
import type { User } from '../domain/identity.js';
import type { ConnectionPlan } from '../reconcile/reconcile-service.js';
import type { Policy } from '../domain/policy.js';
import type { ConnectionStatus } from '../store/status-repo.js';
import type { DeliveryView, WebhookView } from '../services/webhook-service.js';

/** A plan as the CLI and API show it: without the (large, internal) desired state and timings. */
export type PlanView = Omit<ConnectionPlan, 'desired' | 'timings'>;

export interface ApplyView {
  readonly connection: string;
  readonly status: 'applied' | 'no-op' | 'notified' | 'failed' | 'declined';
  readonly plan: PlanView;
  readonly sync: Pick<SyncReport, 'objects' | 'ms'> & { added: number; changed: number; removed: number } | null;
  readonly results: readonly StatementResult[];
  readonly error?: string;
  readonly auditId: number | null;
}

export interface ApplyRequest {
  readonly config: ConfigFile;
  readonly connection?: string;
  readonly force?: boolean;
}

/**
 * Everything the CLI does, in one interface with two implementations: straight on the store
 * (`local-client.ts`) and through a running server's HTTP API (`remote-client.ts`). The HTTP
 * routes map one-to-one onto these methods.
 */
export interface StewardClient {
  listConnections(): Promise<ConnectionView[]>;
  getConnection(name: string): Promise<ConnectionView>;
  addConnection(input: ConnectionInput, opts?: { verify?: boolean }): Promise<ConnectionView>;
  removeConnection(name: string): Promise<void>;
  checkConnection(name: string): Promise<CheckReport>;

  sync(connection: string, under?: string): Promise<SyncReport>;
  browse(path: string | null, opts?: { limit?: number; after?: string | null; includeRemoved?: boolean }): Promise<BrowseResult>;
  search(text: string, opts?: { connection?: string; limit?: number }): Promise<ObjectView[]>;

  /** Plan a configuration file without storing or changing anything. */
  plan(config: ConfigFile, connection?: string): Promise<PlanView[]>;
  /** Store the configuration, then sync, plan and enforce each connection of it. */
  storeConfig(config: ConfigFile): Promise<ConfigApplyResult>;
  /** `sync: false` skips the object sync (identities or policies changed, not the catalog). */
  applyConnection(connection: string, opts: { force?: boolean; sync?: boolean }): Promise<ApplyView>;

  status(): Promise<ConnectionStatus[]>;
  explain(user: string, path: string): Promise<unknown>;
  whoCan(path: string): Promise<unknown>;
  audit(filter?: { connection?: string; action?: string; limit?: number; before?: number }): Promise<AuditEvent[]>;
  auditEvent(id: number): Promise<AuditEvent>;

  listUsers(): Promise<(User & { source: string })[]>;
  putUser(user: User): Promise<void>;
  deleteUser(name: string): Promise<void>;
  listGroups(): Promise<{ name: string; source: string; members: number }[]>;
  addGroup(name: string): Promise<void>;
  deleteGroup(name: string): Promise<void>;
  listPolicies(): Promise<{ policy: Policy; source: string; updatedAt: string }[]>;
  putPolicy(policy: unknown): Promise<Policy>;
  deletePolicy(name: string): Promise<void>;
  listTags(connection?: string): Promise<{ connection: string; path: string; tag: string; source: string }[]>;
  tag(path: string, tag: string): Promise<void>;
  untag(path: string, tag: string): Promise<void>;

  listWebhooks(): Promise<WebhookView[]>;
  /** The secret is in this answer only. */
  addWebhook(input: { url: string; events: readonly string[] }): Promise<WebhookView & { secret: string }>;
  removeWebhook(id: string): Promise<void>;
  rotateWebhookSecret(id: string, graceMs?: number): Promise<{ secret: string; previousSecretValidUntil: string }>;
  enableWebhook(id: string): Promise<WebhookView>;
  webhookDeliveries(id: string, limit?: number): Promise<DeliveryView[]>;
  redeliverWebhook(id: string, delivery: string): Promise<void>;

  close(): Promise<void>;
}

/** Strip the desired state (large, internal) from a plan before it leaves the process. */
export function planView(p: PlanView): PlanView {
  return {
    connection: p.connection,
    type: p.type,
    mode: p.mode,
    drift: p.drift,
    operations: p.operations,
    statements: p.statements,
    reportedDrift: p.reportedDrift,
    driftCount: p.driftCount,
    revocationRatio: p.revocationRatio,
  };
}
