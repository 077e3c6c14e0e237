import type { BrowseResult, ObjectView } from '../catalog/catalog-service.js';
import type { SyncReport } from '../catalog/sync-service.js';
import type { ConfigWarning } from '../config/issues.js';
import type { ConfigFile } from '../config/schema.js';
import type { ConfigApplyResult } from '../services/config-service.js';
import type { AuditEvent, AuditFilter } from '../services/audit-service.js';
import type { Ownership } from '../services/ownership-service.js';
import type { CreatedToken, TokenInfo, TokenInput } from '../services/token-service.js';
import type { ConnectionInput, ConnectionView } from '../services/connection-service.js';
import type { CheckReport, StatementResult } from '../platforms/platform.js';
import type { User } from '../domain/identity.js';
import type { ApplyOutcome, ApplyStatus, ConnectionPlan, PlanExpectation } from '../reconcile/reconcile-service.js';
import type { Operation } from '../domain/plan.js';
import type { Policy } from '../domain/policy.js';
import { redactPlanSecrets } from '../domain/secure-view.js';
import type { ConnectionStatus } from '../store/status-repo.js';
import type { DeliveryView, WebhookView } from '../services/webhook-service.js';

/**
 * A plan as the CLI and API show it: without the (large, internal) desired state and timings,
 * with the configuration's warnings about this connection (and those about no connection).
 */
export type PlanView = Omit<ConnectionPlan, 'desired' | 'timings'> & { readonly warnings?: readonly ConfigWarning[] };

export interface ApplyView {
  readonly connection: string;
  readonly status: ApplyStatus;
  readonly plan: PlanView;
  readonly sync: Pick<SyncReport, 'objects' | 'ms'> & { added: number; changed: number; removed: number } | null;
  readonly results: readonly StatementResult[];
  /** Operations the database did not reflect when read back after the apply. */
  readonly unconverged: readonly Operation[];
  /** The database could not be read back after the run: `unconverged` lists the whole plan, unverified. */
  readonly readBackFailed?: true;
  readonly error?: string;
  readonly auditId: number | null;
}

export interface ApplyConfigView {
  readonly stored: ConfigApplyResult;
  readonly connections: readonly ApplyView[];
}

/** One object Steward made for data policies, by path. */
export interface SecureViewObjectView {
  readonly what: 'secure view' | 'view schema' | 'view database' | 'system schema' | 'system database';
  readonly path: string;
  readonly removable: boolean;
  readonly reason?: string;
}

/** What removing a connection left, or took away, in its database. */
export interface RemoveConnectionView {
  readonly connection: string;
  /** Steward's footprint found there (roles, grants they hold, memberships, default privileges, default roles); null: could not look. */
  readonly footprint: {
    readonly roles: number;
    readonly grants: number;
    readonly memberships: number;
    readonly defaultGrants: number;
    readonly defaultRoles: number;
    /** Data policies: the secure views Steward built there. */
    readonly secureViews: number;
    /**
     * Data policies: every object Steward made there for them — secure views, the schemas or
     * databases holding them, its system schema or database — and whether a teardown removes
     * it (`removable`), or leaves it, with why.
     */
    readonly viewObjects: readonly SecureViewObjectView[];
  } | null;
  /** Why the footprint could not be read. */
  readonly footprintError?: string;
  /** With `revoke`: the teardown that ran. */
  readonly teardown?: { readonly status: ApplyStatus; readonly statements: number; readonly unconverged: number; readonly error?: string; readonly auditId: number | null };
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
  /**
   * Forget a connection. With `revoke`, first take away what Steward holds in its database; with
   * `keep`, leave it there knowingly. With neither, refused while Steward holds anything there.
   */
  removeConnection(name: string, opts?: { revoke?: boolean; keep?: boolean }): Promise<RemoveConnectionView>;
  checkConnection(name: string): Promise<CheckReport>;

  sync(connection: string, under?: string): Promise<SyncReport>;
  browse(path: string | null, opts?: { limit?: number; after?: string | null; includeRemoved?: boolean }): Promise<BrowseResult>;
  search(text: string, opts?: { connection?: string; limit?: number }): Promise<ObjectView[]>;

  /** Plan a configuration file without storing or changing anything. */
  plan(config: ConfigFile, connection?: string): Promise<PlanView[]>;
  /** Store the configuration only (it owns what it declares); enforces nothing. */
  storeConfig(config: ConfigFile): Promise<ConfigApplyResult>;
  /**
   * Plan each connection of the file under its lock, check the plans (against `expect` when
   * given: what was shown is what runs), then store the file and run them. Refused: nothing stored.
   */
  applyConfig(
    config: ConfigFile,
    opts: {
      connection?: string;
      force?: boolean;
      sync?: boolean;
      expect?: Readonly<Record<string, PlanExpectation>>;
      /** Each statement's outcome as it runs (local store only; through a server the result lists them at the end). */
      onStatement?: (connection: string, r: StatementResult) => void;
      /** One line per phase (checking, planning, storing, running), local store only. */
      onProgress?: (message: string) => void;
    },
  ): Promise<ApplyConfigView>;
  /** `sync: false` skips the object sync (identities or policies changed, not the catalog). */
  applyConnection(connection: string, opts: { force?: boolean; sync?: boolean }): Promise<ApplyView>;

  status(): Promise<ConnectionStatus[]>;
  explain(user: string, path: string): Promise<unknown>;
  whoCan(path: string): Promise<unknown>;
  audit(filter?: AuditFilter): Promise<AuditEvent[]>;
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
  listOwners(filter?: { user?: string }): Promise<Ownership[]>;
  addOwner(user: string, path: string): Promise<void>;
  removeOwner(user: string, path: string): Promise<void>;

  createToken(input: TokenInput): Promise<CreatedToken>;
  listTokens(): Promise<TokenInfo[]>;
  revokeToken(name: string): Promise<TokenInfo>;

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
    // Data policies: hash salts never leave the process.
    ...redactPlanSecrets(p.operations, p.statements),
    reportedDrift: p.reportedDrift,
    driftCount: p.driftCount,
    revocationRatio: p.revocationRatio,
    blocked: p.blocked,
    digest: p.digest,
    unsynced: p.unsynced,
  };
}

/** An apply outcome as it leaves the process: the plan without its desired state, sync counts. */
export function applyView(r: ApplyOutcome): ApplyView {
  return {
    connection: r.connection,
    status: r.status,
    plan: planView(r.plan),
    sync: r.sync ? { objects: r.sync.objects, ms: r.sync.ms, added: r.sync.added.length, changed: r.sync.changed.length, removed: r.sync.removed.length } : null,
    // Data policies: hash salts never leave the process.
    results: r.results.map((x) => ({ ...x, statement: redactPlanSecrets([], [x.statement]).statements[0]! })),
    unconverged: r.unconverged,
    ...(r.readBackFailed ? { readBackFailed: true as const } : {}),
    ...(r.error ? { error: r.error } : {}),
    auditId: r.auditId,
  };
}
