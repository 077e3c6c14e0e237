import type { GovernanceModel } from '../config/to-model.js';
import type { AccessState } from '../domain/access.js';
import type { ConnectionSpec } from '../domain/connection.js';
import { StewardError, redactSecrets } from '../domain/errors.js';
import { decodePath } from '../domain/paths.js';
import type { BlockedOperation, Operation, Plan, Statement } from '../domain/plan.js';
import { computeDesiredState } from '../policy/desired-state.js';
import type { Platform, PlatformSession, StatementResult } from '../platforms/platform.js';
import type { SyncReport, SyncService } from '../catalog/sync-service.js';
import type { AuditService } from '../services/audit-service.js';
import type { ConnectionService } from '../services/connection-service.js';
import type { Db } from '../store/db.js';
import { objectsRepo } from '../store/objects-repo.js';
import { statusRepo } from '../store/status-repo.js';
import { filterDrift, planChanges, revocationRatio } from './diff.js';
import { managedBy } from './safety.js';
import { buildPolicyInput, type CatalogSource } from './policy-input.js';
import { stateDigest } from './state-digest.js';

/** One connection's plan: the neutral operations and the exact SQL, in order. */
export interface ConnectionPlan {
  readonly connection: string;
  readonly type: string;
  readonly mode: 'enforce' | 'notify';
  readonly drift: 'enforce' | 'report';
  readonly operations: readonly Operation[];
  readonly statements: readonly Statement[];
  /** Drift found but left alone (connection in `report` mode). */
  readonly reportedDrift: readonly Operation[];
  /** Operations in `operations` that revert drift. */
  readonly driftCount: number;
  /** Share of the access Steward manages now that this plan would revoke (0..1). */
  readonly revocationRatio: number;
  /** Changes Steward cannot make with the system account's privileges, with why (not in `operations`). */
  readonly blocked: readonly BlockedOperation[];
  readonly desired: AccessState;
  readonly timings: { readonly actualMs: number; readonly desiredMs: number; readonly planMs: number };
}

export interface ApplyOutcome {
  readonly connection: string;
  readonly plan: ConnectionPlan;
  readonly sync: SyncReport | null;
  readonly status: 'applied' | 'no-op' | 'notified' | 'failed' | 'declined';
  readonly results: readonly StatementResult[];
  readonly error?: string;
  readonly auditId: number | null;
}

export interface ApplyOptions {
  readonly actor: string;
  /** Run a plan that revokes more than half of the managed access. */
  readonly force?: boolean;
  /** Sync the catalog before planning (default true). */
  readonly sync?: boolean;
  /** Asked before running a non-empty plan; false declines. */
  readonly confirm?: (plan: ConnectionPlan) => Promise<boolean>;
  readonly onStatement?: (r: StatementResult) => void;
  /** Record no-op runs in the audit log (user-initiated applies do; background drift checks don't). */
  readonly auditNoop?: boolean;
}

/** Refuse plans that would take away more than this share of managed access, unless forced. */
export const SAFETY_RATIO = 0.5;

/**
 * The reconcile loop for one connection: desired state (pure) + actual state (introspection)
 * → plan → SQL → apply under the connection's lock → audit and status.
 */
export function createReconcileService(deps: {
  db: Db;
  connections: ConnectionService;
  sync: SyncService;
  audit: AuditService;
  now?: () => Date;
}) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  async function computePlan(
    spec: ConnectionSpec,
    platform: Platform,
    session: PlatformSession,
    model: GovernanceModel,
    catalog: CatalogSource,
  ): Promise<ConnectionPlan> {
    const t0 = performance.now();
    const input = buildPolicyInput(spec, platform, model, catalog, now());
    const { state: desired, scope } = computeDesiredState(input);
    const t1 = performance.now();
    const actual = await session.readActualState(scope);
    const t2 = performance.now();
    // Drift classification needs the last applied state, which can be large: plan without it
    // first, and read it only when there is something to classify.
    const planOpts = { connection: spec.name, capabilities: platform.capabilities };
    let plan: Plan = planChanges(actual, desired, { ...planOpts, lastApplied: null });
    if (plan.operations.length > 0) {
      const lastApplied = await statusRepo.appliedState(db, spec.name);
      plan = planChanges(actual, desired, { ...planOpts, lastApplied });
    }
    let reported: readonly Operation[] = [];
    if (spec.options.drift === 'report') {
      const split = filterDrift(plan);
      plan = split.plan;
      reported = split.drift;
    }
    const statements = platform.compile(plan, spec.options);
    const t3 = performance.now();
    return {
      connection: spec.name,
      type: spec.type,
      mode: spec.options.mode,
      drift: spec.options.drift,
      operations: plan.operations,
      statements,
      reportedDrift: reported,
      driftCount: plan.operations.filter((o) => o.drift === true).length + reported.length,
      revocationRatio: revocationRatio(plan, actual, managedBy(spec.options.rolePrefix)),
      blocked: plan.blocked ?? [],
      desired,
      timings: { desiredMs: Math.round(t1 - t0), actualMs: Math.round(t2 - t1), planMs: Math.round(t3 - t2) },
    };
  }

  return {
    /**
     * What `apply` would do, changing nothing: the catalog is read live from the database (not
     * stored), the model is the one given (store, or store overlaid with a file).
     */
    async plan(connection: string, model: GovernanceModel, opts: { spec?: ConnectionSpec; platform?: Platform } = {}): Promise<ConnectionPlan> {
      const open = opts.spec && opts.platform
        ? { spec: opts.spec, platform: opts.platform, session: await opts.platform.connect(opts.spec) }
        : await deps.connections.open(connection);
      try {
        const snapshot = await open.session.introspect();
        const plan = await computePlan(open.spec, open.platform, open.session, model, { kind: 'discovered', objects: snapshot.objects });
        return plan;
      } finally {
        await open.session.close();
      }
    },

    /** Sync, plan and enforce one stored connection. */
    async apply(connection: string, model: () => Promise<GovernanceModel>, opts: ApplyOptions): Promise<ApplyOutcome> {
      const open = await deps.connections.open(connection);
      try {
        const sync = opts.sync === false ? null : await deps.sync.sync(connection, open.session);
        const m = await model();
        // Column lists matter to the policy engine only through column tags (paths one level
        // below a relation): skip reading them when the connection has none.
        const relationDepth = open.platform.capabilities.hierarchy.length;
        const columnTags = m.tags.some((t) => t.connection === connection && decodePath(t.path).length > relationDepth);
        const objects = await objectsRepo.live(db, connection, { withColumns: columnTags });
        const plan = await computePlan(open.spec, open.platform, open.session, m, { kind: 'stored', objects });
        await statusRepo.planned(db, connection, plan.driftCount);
        const base = { connection, plan, sync };

        if (plan.operations.length === 0) {
          const auditId = opts.auditNoop === false ? null : await deps.audit.record(db, {
            actor: opts.actor, action: 'apply', connection, outcome: 'ok', summary: 'no changes',
            details: { operations: 0, reportedDrift: plan.reportedDrift },
          });
          await statusRepo.applied(db, connection, null, plan.desired, stateDigest(plan.desired));
          return { ...base, status: 'no-op', results: [], auditId };
        }
        if (plan.revocationRatio > SAFETY_RATIO && opts.force !== true) {
          throw new StewardError(
            'unsafe_plan',
            `plan for "${connection}" would revoke ${Math.round(plan.revocationRatio * 100)}% of the access Steward manages there`,
            { hint: 'check the configuration file; if this is intended, run again with --force', details: { revocationRatio: plan.revocationRatio } },
          );
        }
        if (open.spec.options.mode === 'notify') {
          const auditId = await deps.audit.record(db, {
            actor: opts.actor, action: 'apply.notify', connection, outcome: 'skipped',
            summary: `notify-only: ${plan.operations.length} operations, ${plan.statements.length} statements not run`,
            details: { operations: plan.operations, statements: plan.statements.map((s) => s.sql) },
          });
          return { ...base, status: 'notified', results: [], auditId };
        }
        if (opts.confirm && !(await opts.confirm(plan))) return { ...base, status: 'declined', results: [], auditId: null };

        const exec = await open.session.execute(plan.statements, {
          lockKey: `steward:${connection}`,
          ...(opts.onStatement ? { onStatement: opts.onStatement } : {}),
        });
        const failed = exec.error !== undefined;
        const error = failed ? redactSecrets(exec.error) : undefined;
        const auditId = await deps.audit.record(db, {
          actor: opts.actor,
          action: 'apply',
          connection,
          outcome: failed ? (exec.results.some((r) => r.ok) ? 'partial' : 'error') : 'ok',
          summary: `${exec.results.filter((r) => r.ok).length}/${plan.statements.length} statements` + (error ? `: ${error}` : ''),
          details: {
            operations: plan.operations,
            statements: exec.results.map((r) => ({ sql: r.statement.sql, database: r.statement.database, ok: r.ok, ms: r.ms, error: r.error })),
            drift: plan.driftCount,
            revocationRatio: plan.revocationRatio,
          },
        });
        await statusRepo.applied(db, connection, error ?? null, failed ? null : plan.desired, failed ? undefined : stateDigest(plan.desired));
        return { ...base, status: failed ? 'failed' : 'applied', results: exec.results, ...(error ? { error } : {}), auditId };
      } finally {
        await open.session.close();
      }
    },
  };
}

export type ReconcileService = ReturnType<typeof createReconcileService>;
