import type { GovernanceModel } from '../config/to-model.js';
import { EMPTY_STATE, type AccessScope, type AccessState, type Securable } from '../domain/access.js';
import type { ConnectionSpec } from '../domain/connection.js';
import { StewardError, redactSecrets } from '../domain/errors.js';
import { decodePath, encodePath } from '../domain/paths.js';
import type { BlockedOperation, Operation, Plan, Statement } from '../domain/plan.js';
import { computeDesiredState } from '../policy/desired-state.js';
import type { HeldLock, Platform, PlatformSession, StatementResult } from '../platforms/platform.js';
import type { SyncReport, SyncService } from '../catalog/sync-service.js';
import type { CatalogSnapshot } from '../domain/catalog.js';
import type { AuditService } from '../services/audit-service.js';
import type { ConnectionService, OpenConnection } from '../services/connection-service.js';
import type { Db } from '../store/db.js';
import { objectsRepo } from '../store/objects-repo.js';
import { statusRepo } from '../store/status-repo.js';
import { filterDrift, planChanges, revocationRatio, type PlanOptions } from './diff.js';
import { knownObjects } from './known-objects.js';
import { planDigest, planDifference } from './plan-digest.js';
import { buildPolicyInput, type CatalogSource } from './policy-input.js';
import { managedBy } from './safety.js';
import { stateDigest } from './state-digest.js';
import { mergeOperations, prepareDataPolicies, type DataPolicyPlanning } from './data-policy-plan.js';
import { redactPlanSecrets } from '../domain/secure-view.js';
import { teardownWithSecureViews } from './teardown.js';
import type { SecureViewFootprint } from '../domain/secure-view.js';
import { secureLocations } from '../policy/secure-locations.js';
import { viewOwnerRole } from '../policy/secure-views.js';
import { narrowGrants, touchedBy } from './narrow-grants.js';
import { isMembershipOperation, membershipPart, membershipScope, onlyMembershipsDiffer } from './membership-scope.js';

/** One connection's plan: the neutral operations and the exact SQL, in order. */
export interface ConnectionPlan {
  readonly connection: string;
  readonly type: string;
  readonly mode: 'enforce' | 'notify';
  readonly drift: 'enforce' | 'report';
  readonly operations: readonly Operation[];
  readonly statements: readonly Statement[];
  /** Identifies the operations: an apply given it runs only this plan, or refuses. */
  readonly digest: string;
  /** Drift found but left alone (connection in `report` mode). */
  readonly reportedDrift: readonly Operation[];
  /** Operations in `operations` that revert drift, plus those reported. */
  readonly driftCount: number;
  /** Share of the access Steward manages now that this plan would revoke (0..1). */
  readonly revocationRatio: number;
  /** Changes Steward cannot make with the system account's privileges, with why (not in `operations`). */
  readonly blocked: readonly BlockedOperation[];
  /** Grants on objects the catalog has not seen yet (created since the last sync): left alone until a sync. */
  readonly unsynced: number;
  readonly desired: AccessState;
  /** Planned from roles and memberships alone (see `membership-scope.ts`); absent: the full plan. */
  readonly scoped?: 'memberships';
  /** Where planning went: the catalog read live (`apply -f`), the desired state, the actual-state read, the diff and compile. */
  readonly timings: { readonly catalogMs?: number; readonly actualMs: number; readonly desiredMs: number; readonly planMs: number };
}

export type ApplyStatus = 'applied' | 'unconverged' | 'no-op' | 'notified' | 'failed' | 'declined';

export interface ApplyOutcome {
  readonly connection: string;
  readonly plan: ConnectionPlan;
  readonly sync: SyncReport | null;
  /**
   * `applied`: every statement ran and the database, read back, shows the desired state;
   * `unconverged`: every statement ran, yet some operations are not reflected (`unconverged`);
   * `failed`: a statement failed (PostgreSQL rolled its chunk back) — see `error`.
   */
  readonly status: ApplyStatus;
  readonly results: readonly StatementResult[];
  /**
   * Operations still to do when the database was read back after the apply; when the read-back
   * itself failed (`readBackFailed`), every operation of the plan, whose effect is then unknown.
   */
  readonly unconverged: readonly Operation[];
  /** The database could not be read back after the statements ran: nothing was verified. */
  readonly readBackFailed?: true;
  readonly error?: string;
  readonly auditId: number | null;
}

/** Run only the plan that was shown: refuse when the plan computed under the lock differs. */
export interface PlanExpectation {
  readonly digest: string;
  /** The statements that were shown, to say what changed. */
  readonly statements?: readonly string[];
}

export interface ApplyOptions {
  readonly actor: string;
  /** Run a plan that revokes more than half of the managed access. */
  readonly force?: boolean;
  /** Sync the catalog before planning (default true). */
  readonly sync?: boolean;
  /** Asked before running a non-empty plan, under the lock; false declines. */
  readonly confirm?: (plan: ConnectionPlan) => Promise<boolean>;
  readonly onStatement?: (r: StatementResult) => void;
  /** Record no-op runs in the audit log (user-initiated applies do; background drift checks don't). */
  readonly auditNoop?: boolean;
  readonly expect?: PlanExpectation;
  /**
   * Plan against this connection definition and the live catalog, storing nothing until the
   * plan runs (then the caller's `beforeExecute` stores the configuration, and the catalog
   * snapshot the plan came from is stored). For `apply -f`, where a refused plan must leave
   * the store as it was. With `sync: false` the stored catalog is used instead of a live one.
   */
  readonly live?: { readonly spec: ConnectionSpec; readonly platform: Platform };
  /** Checks the model against the catalog being planned against (e.g. guardrails that select nothing); throws to refuse. */
  readonly checkModel?: (model: GovernanceModel, objects: readonly { readonly path: string; readonly columns?: readonly { readonly name: string }[] | null }[]) => void;
  /**
   * May plan from roles and memberships alone when the desired state differs from the last
   * apply (made by this process, clean) in memberships only: no sync, no full read (see
   * `membership-scope.ts`). Otherwise, or when that plan holds anything else, the full path.
   */
  readonly scoped?: boolean;
  /** Called as each step ends (locked, synced, model, objects, planned, audited, executed, verified, recorded): for timing logs. */
  readonly onPhase?: (phase: string) => void;
}

/** A reconcile whose plan is computed and whose connection lock is held: run it, then release. */
export interface PreparedApply {
  readonly plan: ConnectionPlan;
  readonly sync: SyncReport | null;
  /** Run the plan (`beforeExecute` runs first, e.g. storing the configuration the plan came from). */
  run(opts?: { readonly beforeExecute?: () => Promise<void> }): Promise<ApplyOutcome>;
  /** Release the lock and close the session; idempotent. */
  release(): Promise<void>;
}

/** Refuse plans that would take away more than this share of managed access, unless forced. */
export const SAFETY_RATIO = 0.5;

/** Statement outcomes are written to the audit log in batches of this many (and at the end). */
const LOG_BATCH = 100;

interface Computed {
  readonly plan: ConnectionPlan;
  readonly scope: AccessScope;
  readonly lastApplied: AccessState | null;
  readonly isKnown: (s: Securable) => boolean;
  /** The securables whose grants the plan changes (and unknown ones): what the read-back compares (default: all). */
  readonly touched?: (s: Securable) => boolean;
  /** What is left to do given the actual state read back (default: the plan computed again). */
  readonly residual?: (actual: AccessState) => Operation[] | Promise<Operation[]>;
  /** Data policies: secure views and profile rows, read back after an apply too. */
  readonly dataPolicies?: DataPolicyPlanning;
}

/**
 * The reconcile loop for one connection, the one path the CLI, the API and the background jobs
 * share: under the connection's lock, sync → desired state (pure) + actual state → plan → SQL →
 * write-ahead audit → apply → read back (verification) → audit and status → unlock.
 */
/** What every connection plan starts with: where it runs and its operations, SQL and digest. */
function planHead(spec: ConnectionSpec, operations: readonly Operation[], statements: readonly Statement[]) {
  return { connection: spec.name, type: spec.type, mode: spec.options.mode, drift: spec.options.drift, operations, statements, digest: planDigest(spec.name, operations) };
}

export function createReconcileService(deps: {
  db: Db;
  connections: ConnectionService;
  sync: SyncService;
  audit: AuditService;
  now?: () => Date;
}) {
  const { db, audit } = deps;
  const now = deps.now ?? (() => new Date());
  /**
   * The last applied state this process wrote, per connection, with its digest (valid while the
   * store's digest is the same) and whether that run left nothing aside (no blocked operation,
   * no reported drift, converged): what a membership-scoped plan compares against.
   */
  const lastWritten = new Map<string, { readonly digest: string; readonly state: AccessState; readonly clean: boolean }>();
  const remember = (connection: string, state: AccessState | null, digest: string | undefined, clean: boolean): void => {
    if (state === null || digest === undefined) lastWritten.delete(connection);
    else lastWritten.set(connection, { digest, state, clean });
  };

  /**
   * The last applied state: the one this process wrote when the store still holds its digest
   * (nothing to read and unpack: ≈25 ms at S1), else the store's.
   */
  async function lastAppliedState(connection: string): Promise<AccessState | null> {
    const mine = lastWritten.get(connection);
    if (mine !== undefined && (await statusRepo.appliedDigest(db, connection)) === mine.digest) return mine.state;
    return await statusRepo.appliedState(db, connection);
  }

  /**
   * The membership-scoped plan (see `membership-scope.ts`), or null when this change needs the
   * full path: no clean last apply of this process, a desired state that differs in more than
   * memberships, or a scoped plan with anything but membership and default-role changes.
   */
  async function computeScopedPlan(
    spec: ConnectionSpec,
    platform: Platform,
    session: PlatformSession,
    model: GovernanceModel,
    catalog: CatalogSource,
  ): Promise<Computed | null> {
    const last = lastWritten.get(spec.name);
    if (last === undefined || !last.clean || spec.options.mode !== 'enforce' || spec.options.drift !== 'enforce') return null;
    if ((await statusRepo.appliedDigest(db, spec.name)) !== last.digest) return null;
    const t0 = performance.now();
    const input = buildPolicyInput(spec, platform, model, catalog, now());
    const dataPolicies = prepareDataPolicies(input, platform);
    const { state: desired, scope } = await dataPolicies.desired(computeDesiredState(dataPolicies.accessInput), session);
    if (!onlyMembershipsDiffer(desired, last.state) || dataPolicies.operations(desired).length > 0) return null;
    const isKnown = knownObjects(input.catalog);
    const t1 = performance.now();
    const narrow = membershipScope(scope);
    const actual = membershipPart(await session.readActualState(narrow));
    const t2 = performance.now();
    const planOpts = { connection: spec.name, capabilities: platform.capabilities, isKnown, lastApplied: membershipPart(last.state) };
    const want = membershipPart(desired);
    const plan = planChanges(actual, want, planOpts);
    if (!plan.operations.every(isMembershipOperation) || (plan.blocked ?? []).length > 0) return null;
    const ratio = revocationRatio(plan, actual, managedBy(spec.options.rolePrefix), want);
    if (ratio > SAFETY_RATIO) return null;
    const statements = platform.compile(plan, spec.options);
    const t3 = performance.now();
    return {
      // The read-back of a scoped plan is that of any plan of memberships only.
      ...readBackOf(plan, { scope, desired, lastApplied: last.state, planOpts: { connection: spec.name, capabilities: platform.capabilities, isKnown }, report: false }),
      lastApplied: last.state,
      isKnown,
      plan: {
        ...planHead(spec, plan.operations, statements),
        reportedDrift: [],
        driftCount: plan.operations.filter((o) => o.drift === true).length,
        revocationRatio: ratio,
        blocked: [],
        unsynced: 0,
        desired,
        scoped: 'memberships',
        timings: { desiredMs: Math.round(t1 - t0), actualMs: Math.round(t2 - t1), planMs: Math.round(t3 - t2) },
      },
    };
  }

  async function computePlan(
    spec: ConnectionSpec,
    platform: Platform,
    session: PlatformSession,
    model: GovernanceModel,
    catalog: CatalogSource,
  ): Promise<Computed> {
    const t0 = performance.now();
    const input = buildPolicyInput(spec, platform, model, catalog, now());
    // --- data policies: secure views rewrite the desired access state (their state is read once) ---
    const dataPolicies = prepareDataPolicies(input, platform);
    const { state: desired, scope } = await dataPolicies.desired(computeDesiredState(dataPolicies.accessInput), session);
    const isKnown = knownObjects(input.catalog);
    const t1 = performance.now();
    const actual = await session.readActualState(scope);
    const t2 = performance.now();
    const planOpts = { connection: spec.name, capabilities: platform.capabilities, isKnown };
    // Drift classification needs the last applied state, which can be large: plan without it
    // first, and read it only when there is something to classify.
    let plan: Plan = planChanges(actual, desired, { ...planOpts, lastApplied: null });
    let lastApplied: AccessState | null = null;
    let touched: ((s: Securable) => boolean) | undefined;
    if (plan.operations.length > 0) {
      // The read-back after the run compares the grants the plan touches.
      const keep = touchedBy(plan, isKnown);
      touched = keep;
      lastApplied = await lastAppliedState(spec.name);
      // Drift is decided where something changes: diff again, with the last apply, on those grants.
      // Without a last apply (a first converge) the plan just made is the plan.
      if (lastApplied !== null) plan = planChanges(narrowGrants(actual, keep), narrowGrants(desired, keep), { ...planOpts, lastApplied: narrowGrants(lastApplied, keep) });
    }
    // --- data policies: secure-view operations join the plan, ordered around roles and grants ---
    plan = { ...plan, operations: mergeOperations(plan.operations, dataPolicies.operations(desired)) };
    let reported: readonly Operation[] = [];
    if (spec.options.drift === 'report') {
      const split = filterDrift(plan);
      plan = split.plan;
      reported = split.drift;
    }
    const statements = platform.compile(plan, spec.options);
    const t3 = performance.now();
    return {
      ...readBackOf(plan, { scope, desired, lastApplied, planOpts, report: spec.options.drift === 'report' }),
      lastApplied,
      isKnown,
      ...(touched !== undefined ? { touched } : {}),
      dataPolicies,
      plan: {
        ...planHead(spec, plan.operations, statements),
        reportedDrift: reported,
        driftCount: plan.operations.filter((o) => o.drift === true).length + reported.length,
        revocationRatio: revocationRatio(plan, actual, managedBy(spec.options.rolePrefix), desired),
        blocked: plan.blocked ?? [],
        unsynced: plan.unsynced ?? 0,
        desired,
        timings: { desiredMs: Math.round(t1 - t0), actualMs: Math.round(t2 - t1), planMs: Math.round(t3 - t2) },
      },
    };
  }

  /**
   * What the read-back after an apply reads: a plan of membership and default-role changes only
   * (nothing blocked) touched no grant, no default privilege and no secure view, so it reads and
   * compares roles, memberships and default roles alone — as the membership-scoped plan does —
   * instead of every ACL of the protected tables again. Any other plan reads its whole scope.
   */
  function readBackOf(
    plan: Plan,
    c: { scope: AccessScope; desired: AccessState; lastApplied: AccessState | null; planOpts: Omit<PlanOptions, 'lastApplied'>; report: boolean },
  ): Pick<Computed, 'scope' | 'residual'> {
    const membershipsOnly = plan.operations.length > 0 && plan.operations.every(isMembershipOperation) && (plan.blocked ?? []).length === 0;
    if (!membershipsOnly) return { scope: c.scope };
    // (A scoped plan with nothing to do has no read-back; its scope is then never read.)
    const want = membershipPart(c.desired);
    const last = c.lastApplied !== null ? membershipPart(c.lastApplied) : null;
    return {
      scope: membershipScope(c.scope),
      residual: (after) => {
        let left = planChanges(membershipPart(after), want, { ...c.planOpts, lastApplied: last });
        if (c.report) left = filterDrift(left).plan;
        return [...left.operations];
      },
    };
  }

  /** Read the database back after an apply: what of the plan is still to do (report-mode drift and blocked work aside). */
  async function remaining(open: OpenConnection, c: Computed): Promise<Operation[]> {
    const actual = await open.session.readActualState(c.scope);
    if (c.residual) return await c.residual(actual);
    // Grants the plan left alone are not compared again (roles and memberships are, whole).
    const keep = c.touched;
    let plan =
      keep === undefined
        ? planChanges(actual, c.plan.desired, { connection: open.spec.name, lastApplied: c.lastApplied, isKnown: c.isKnown })
        : planChanges(narrowGrants(actual, keep), narrowGrants(c.plan.desired, keep), { connection: open.spec.name, lastApplied: narrowGrants(c.lastApplied, keep), isKnown: c.isKnown });
    // Data policies: the secure views and profile rows are read back as well.
    if (c.dataPolicies !== undefined) plan = { ...plan, operations: mergeOperations(plan.operations, await c.dataPolicies.remaining(open.session, c.plan.desired)) };
    if (open.spec.options.drift === 'report') plan = filterDrift(plan).plan;
    return [...plan.operations];
  }

  /** Execute a plan with its write-ahead audit event, then verify by reading back. */
  async function execute(
    open: OpenConnection,
    c: Computed,
    opts: { actor: string; action: string; onStatement?: (r: StatementResult) => void; onPhase?: (phase: string) => void },
  ): Promise<Pick<ApplyOutcome, 'status' | 'results' | 'unconverged' | 'error' | 'auditId' | 'readBackFailed'>> {
    const { plan } = c;
    const connection = open.spec.name;
    // Nothing reaches the database before this is recorded: a kill from here on leaves an
    // event that says what may have happened.
    const auditId = await audit.begin({
      actor: opts.actor,
      action: opts.action,
      connection,
      summary: `${plan.statements.length} statements planned`,
      details: {
        // Data policies: hash salts never reach the audit log.
        operations: redactPlanSecrets(plan.operations, []).operations,
        plannedStatements: plan.statements.map((s) => ({ sql: s.sql, database: s.database, ...(s.runAs ? { runAs: s.runAs } : {}) })),
        blocked: plan.blocked,
        drift: plan.driftCount,
        revocationRatio: plan.revocationRatio,
        digest: plan.digest,
        ...(plan.scoped !== undefined ? { scoped: plan.scoped } : {}),
      },
    });
    await statusRepo.applyStarted(db, connection, auditId);
    opts.onPhase?.('audited');

    const logged: StatementResult[] = [];
    let flushed = 0;
    let flushing: Promise<void> = Promise.resolve();
    const flush = (): Promise<void> => {
      const batch = logged.slice(flushed);
      const from = flushed;
      flushed = logged.length;
      flushing = flushing.then(() => audit.statements(auditId, from, batch));
      return flushing;
    };
    let exec: { results: readonly StatementResult[]; error?: string };
    try {
      exec = await open.session.execute(plan.statements, {
        lockKey: lockKeyOf(connection),
        onStatement: (r) => {
          logged.push(r);
          if (logged.length - flushed >= LOG_BATCH) void flush().catch(() => undefined);
          opts.onStatement?.(r);
        },
      });
    } catch (err) {
      // The session failed (connection lost, lock lost): record what is known, then rethrow.
      await flush().catch(() => undefined);
      const message = redactSecrets(err instanceof Error ? err.message : String(err));
      await audit.finish(auditId, 'error', `apply stopped: ${message}`, { error: message });
      await statusRepo.applied(db, connection, { outcome: 'failed', error: message, state: null, unconverged: 0, reportedDrift: plan.reportedDrift.length, blocked: plan.blocked.length });
      lastWritten.delete(connection);
      throw err;
    }
    opts.onPhase?.('executed');
    await flush();
    const ran = exec.results.filter((r) => r.ok).length;
    const error = exec.error !== undefined ? redactSecrets(exec.error) : undefined;
    // Trust, then verify: what the database says now, not what the statements reported.
    let unconverged: Operation[];
    try {
      unconverged = await remaining(open, c);
    } catch (err) {
      // The connection lost while running is why the read-back failed too: say both, the cause first.
      const message = `${error !== undefined ? `${error}; ` : ''}could not read the database back: ${redactSecrets(err instanceof Error ? err.message : String(err))}`;
      unconverged = [...plan.operations];
      await audit.finish(auditId, ran > 0 ? 'partial' : 'error', `${ran}/${plan.statements.length} statements: ${message}`, { error: message });
      await statusRepo.applied(db, connection, { outcome: 'failed', error: message, state: null, unconverged: unconverged.length, reportedDrift: plan.reportedDrift.length, blocked: plan.blocked.length });
      lastWritten.delete(connection);
      return { status: 'failed', results: exec.results, unconverged, error: message, auditId, readBackFailed: true };
    }
    opts.onPhase?.('verified');
    const status: ApplyStatus = error !== undefined ? 'failed' : unconverged.length > 0 ? 'unconverged' : 'applied';
    const outcome = status === 'failed' ? (ran > 0 ? 'partial' : 'error') : status === 'unconverged' ? 'unconverged' : 'ok';
    const summary =
      `${ran}/${plan.statements.length} statements` +
      (error ? `: ${error}` : '') +
      (unconverged.length > 0 ? `; ${unconverged.length} operations not reflected by the database` : '') +
      (plan.blocked.length > 0 ? `; ${plan.blocked.length} blocked` : '');
    await audit.finish(auditId, outcome, summary, { unconverged, ...(error ? { error } : {}) });
    const digest = error === undefined ? stateDigest(plan.desired) : undefined;
    await statusRepo.applied(db, connection, {
      outcome: status === 'applied' ? 'ok' : status === 'unconverged' ? 'unconverged' : 'failed',
      error: error ?? (unconverged.length > 0 ? `${unconverged.length} operations not reflected by the database (see audit event ${auditId})` : null),
      // Every statement ran: this is what Steward granted, for drift classification next time.
      state: error === undefined ? plan.desired : null,
      ...(digest !== undefined ? { digest } : {}),
      unconverged: unconverged.length,
      reportedDrift: plan.reportedDrift.length,
      blocked: plan.blocked.length,
    });
    remember(connection, error === undefined ? plan.desired : null, digest, status === 'applied' && plan.blocked.length === 0 && plan.reportedDrift.length === 0);
    opts.onPhase?.('recorded');
    return { status, results: exec.results, unconverged, ...(error ? { error } : {}), auditId };
  }

  /** Open a session on the connection; a database that cannot be reached is named, and recorded as a failed sync. */
  async function connect(connection: string, live?: { spec: ConnectionSpec; platform: Platform }, record = true): Promise<OpenConnection> {
    try {
      return live ? { spec: live.spec, platform: live.platform, session: await live.platform.connect(live.spec) } : await deps.connections.open(connection);
    } catch (err) {
      const named = aboutConnection(connection, err);
      // Kept visible in `steward status` (a connection not stored yet has no status row: nothing is written).
      if (record && named instanceof StewardError && named.code === 'connection_failed') {
        await statusRepo.syncFailed(db, connection, redactSecrets(named.message).split('\n')[0]!).catch(() => undefined);
      }
      throw named;
    }
  }

  /** Open, lock, mark a dead predecessor, sync: the common start of every locked path. */
  async function openLocked(
    connection: string,
    sync: boolean,
    live?: ApplyOptions['live'],
    onPhase?: (phase: string) => void,
  ): Promise<{ open: OpenConnection; lock: HeldLock; sync: SyncReport | null; close: () => Promise<void> }> {
    // Roles under a prefix that nests with another connection's may be that connection's: touch none.
    await deps.connections.assertOwnPrefix(connection, live?.spec.options.rolePrefix);
    const open = await connect(connection, live);
    let lock: HeldLock | null = null;
    try {
      lock = await open.session.lock(lockKeyOf(connection)).catch((err: unknown) => {
        throw aboutConnection(connection, err);
      });
      // Holding the lock, no other apply of this connection can be running: one left `started`
      // was killed.
      await audit.markInterrupted(connection);
      onPhase?.('locked');
      const report = sync ? await deps.sync.sync(connection, open.session) : null;
      if (report !== null) onPhase?.('synced');
      const held = lock;
      let closed = false;
      return {
        open,
        lock: held,
        sync: report,
        close: async () => {
          if (closed) return;
          closed = true;
          await held.release().catch(() => undefined);
          await open.session.close().catch(() => undefined);
        },
      };
    } catch (err) {
      await lock?.release().catch(() => undefined);
      await open.session.close().catch(() => undefined);
      throw err;
    }
  }

  async function prepare(connection: string, model: () => Promise<GovernanceModel>, opts: ApplyOptions): Promise<PreparedApply> {
    const scoped = opts.scoped === true && opts.live === undefined;
    // A scoped run syncs only if it falls back to the full path.
    const held = await openLocked(connection, opts.live === undefined && opts.sync !== false && !scoped, opts.live, opts.onPhase);
    const { open } = held;
    let syncReport = held.sync;
    try {
      const m = await model();
      opts.onPhase?.('model');
      let c: Computed | null = null;
      let snapshot: CatalogSnapshot | null = null;
      if (opts.live && opts.sync !== false) {
        const t0 = performance.now();
        snapshot = await open.session.introspect();
        const catalogMs = Math.round(performance.now() - t0);
        opts.checkModel?.(m, snapshot.objects.map((o) => ({ path: encodePath(o.segments), columns: o.columns ?? null })));
        c = await computePlan(open.spec, open.platform, open.session, m, { kind: 'discovered', objects: snapshot.objects });
        c = { ...c, plan: { ...c.plan, timings: { catalogMs, ...c.plan.timings } } };
      } else {
        // Column lists matter to the policy engine only through column tags (paths one level
        // below a relation): skip reading them when the connection has none.
        const relationDepth = open.platform.capabilities.hierarchy.length;
        const columnTags = m.tags.some((t) => t.connection === connection && decodePath(t.path).length > relationDepth);
        // Data policies check their columns (names and types) and build views of every column.
        const dataPolicies = m.policies.some((p) => p.type === 'mask' || p.type === 'rowFilter');
        const withColumns = columnTags || dataPolicies || opts.checkModel !== undefined;
        let objects = await objectsRepo.live(db, connection, { withColumns });
        opts.checkModel?.(m, objects);
        opts.onPhase?.('objects');
        if (scoped) {
          c = await computeScopedPlan(open.spec, open.platform, open.session, m, { kind: 'stored', objects });
          if (c === null && opts.sync !== false) {
            // The full path after all: sync first, as an unscoped run does.
            syncReport = await deps.sync.sync(connection, open.session);
            opts.onPhase?.('synced');
            objects = await objectsRepo.live(db, connection, { withColumns });
            opts.checkModel?.(m, objects);
          }
        }
        c ??= await computePlan(open.spec, open.platform, open.session, m, { kind: 'stored', objects });
        await statusRepo.planned(db, connection, { drift: c.plan.driftCount, reported: c.plan.reportedDrift.length, blocked: c.plan.blocked.length });
      }
      opts.onPhase?.('planned');
      if (opts.expect !== undefined && opts.expect.digest !== c.plan.digest) {
        const diff = planDifference(opts.expect.statements ?? null, c.plan.statements.map((s) => s.sql));
        throw new StewardError('conflict', `plan for "${connection}" changed since it was shown: ${diff.summary}`, {
          hint: 'the database or the configuration changed; review the new plan with steward plan and apply again',
          details: { connection, expected: opts.expect.digest, actual: c.plan.digest, ...diff },
        });
      }
      let ran = false;
      const computed: Computed = c;
      return {
        plan: c.plan,
        sync: syncReport,
        release: held.close,
        async run(runOpts = {}): Promise<ApplyOutcome> {
          if (ran) throw new StewardError('internal', 'a prepared apply runs once');
          ran = true;
          const c = computed;
          const { plan } = c;
          let sync = syncReport;
          const base = (): Pick<ApplyOutcome, 'connection' | 'plan' | 'sync' | 'unconverged'> => ({ connection, plan, sync, unconverged: [] });
          const empty = plan.operations.length === 0;
          if (!empty && plan.revocationRatio > SAFETY_RATIO && opts.force !== true) {
            throw new StewardError(
              'unsafe_plan',
              `plan for "${connection}" would revoke ${Math.round(plan.revocationRatio * 100)}% of the access Steward manages there`,
              { hint: 'check the configuration file; if this is intended, run again with --force', details: { revocationRatio: plan.revocationRatio } },
            );
          }
          if (!empty && open.spec.options.mode !== 'notify' && opts.confirm && !(await opts.confirm(plan))) {
            return { ...base(), status: 'declined', results: [], auditId: null };
          }
          // From here the plan goes ahead: store what it was computed from.
          await runOpts.beforeExecute?.();
          if (snapshot !== null) {
            sync = await deps.sync.syncSnapshot(connection, snapshot);
            await statusRepo.planned(db, connection, { drift: plan.driftCount, reported: plan.reportedDrift.length, blocked: plan.blocked.length });
          }
          if (empty) {
            const auditId =
              opts.auditNoop === false && plan.reportedDrift.length === 0
                ? null
                : await audit.record(db, {
                    actor: opts.actor,
                    action: 'apply',
                    connection,
                    outcome: 'ok',
                    summary: plan.reportedDrift.length > 0 ? `no changes; drift reported, not reverted: ${plan.reportedDrift.length} operations` : 'no changes',
                    details: { operations: 0, reportedDrift: plan.reportedDrift, blocked: plan.blocked },
                  });
            const digest = stateDigest(plan.desired);
            await statusRepo.applied(db, connection, {
              outcome: 'ok',
              error: null,
              state: plan.desired,
              digest,
              unconverged: 0,
              reportedDrift: plan.reportedDrift.length,
              blocked: plan.blocked.length,
            });
            remember(connection, plan.desired, digest, plan.blocked.length === 0 && plan.reportedDrift.length === 0);
            return { ...base(), status: 'no-op', results: [], auditId };
          }
          if (open.spec.options.mode === 'notify') {
            const auditId = await audit.record(db, {
              actor: opts.actor,
              action: 'apply.notify',
              connection,
              outcome: 'skipped',
              summary: `notify-only: ${plan.operations.length} operations, ${plan.statements.length} statements not run`,
              details: { operations: redactPlanSecrets(plan.operations, []).operations, statements: plan.statements.map((s) => s.sql), blocked: plan.blocked },
            });
            await statusRepo.applied(db, connection, {
              outcome: 'notified',
              error: null,
              state: null,
              unconverged: 0,
              reportedDrift: plan.reportedDrift.length,
              blocked: plan.blocked.length,
            });
            return { ...base(), status: 'notified', results: [], auditId };
          }
          const done = await execute(open, c, {
            actor: opts.actor,
            action: 'apply',
            ...(opts.onStatement ? { onStatement: opts.onStatement } : {}),
            ...(opts.onPhase ? { onPhase: opts.onPhase } : {}),
          });
          return { ...base(), ...done };
        },
      };
    } catch (err) {
      await held.close();
      throw err;
    }
  }

  return {
    /**
     * What `apply` would do, changing nothing: the catalog is read live from the database (not
     * stored), the model is the one given (store, or store overlaid with a file).
     */
    async plan(connection: string, model: GovernanceModel, opts: { spec?: ConnectionSpec; platform?: Platform } = {}): Promise<ConnectionPlan> {
      // A plan changes nothing, not even the status.
      const open = await connect(connection, opts.spec && opts.platform ? { spec: opts.spec, platform: opts.platform } : undefined, false);
      try {
        const snapshot = await open.session.introspect();
        return (await computePlan(open.spec, open.platform, open.session, model, { kind: 'discovered', objects: snapshot.objects })).plan;
      } finally {
        await open.session.close();
      }
    },

    /** Lock, sync and plan one stored connection; the caller runs and releases. */
    prepare,

    /** Sync, plan and enforce one stored connection (the whole path, lock held throughout). */
    async apply(connection: string, model: () => Promise<GovernanceModel>, opts: ApplyOptions): Promise<ApplyOutcome> {
      const prepared = await prepare(connection, model, opts);
      try {
        return await prepared.run();
      } finally {
        await prepared.release();
      }
    },

    /**
     * What Steward holds in the database (its roles, their grants and memberships, default
     * privileges and default roles it set) — and, with `revoke`, take it all away under the same
     * lock, audit and verification as an apply. Grants others hold are never touched.
     */
    async teardown(
      connection: string,
      model: () => Promise<GovernanceModel>,
      opts: { actor: string; revoke: boolean; onStatement?: (r: StatementResult) => void },
    ): Promise<{ plan: ConnectionPlan; footprint: SecureViewFootprint; outcome: Pick<ApplyOutcome, 'status' | 'results' | 'unconverged' | 'error' | 'auditId'> | null }> {
      const held = await openLocked(connection, false);
      const { open } = held;
      try {
        const m = await model();
        const objects = await objectsRepo.live(db, connection, { withColumns: false });
        const input = buildPolicyInput(open.spec, open.platform, m, { kind: 'stored', objects }, now());
        const { scope } = computeDesiredState(input);
        const actual = await open.session.readActualState(scope);
        // Data policies: the secure views, view containers and system containers Steward made.
        const readFootprint = async (): Promise<SecureViewFootprint> => {
          if (open.platform.secureViews === undefined || open.session.readSecureViewFootprint === undefined) return { objects: [] };
          const locations = secureLocations(connection, open.spec.options, open.platform.capabilities.hierarchy);
          const databases = [...new Set(objects.filter((o) => o.kind === 'database').map((o) => o.name))];
          return open.session.readSecureViewFootprint({
            systems: locations.systemsOf(databases),
            containers: open.platform.capabilities.hierarchy.includes('schema') ? [] : databases.map((db) => locations.viewOf([db, ''])),
            owner: viewOwnerRole(open.spec.options.rolePrefix),
          });
        };
        const footprint = await readFootprint();
        const plan = teardownWithSecureViews(actual, footprint, connection, open.spec.options.rolePrefix);
        const statements = open.platform.compile(plan, open.spec.options);
        const c: Computed = {
          scope,
          lastApplied: null,
          isKnown: () => true,
          plan: {
            connection,
            type: open.spec.type,
            mode: 'enforce',
            drift: 'enforce',
            operations: plan.operations,
            statements,
            digest: planDigest(connection, plan.operations),
            reportedDrift: [],
            driftCount: 0,
            revocationRatio: plan.operations.length > 0 ? 1 : 0,
            blocked: plan.blocked ?? [],
            unsynced: 0,
            desired: EMPTY_STATE,
            timings: { desiredMs: 0, actualMs: 0, planMs: 0 },
          },
        };
        if (!opts.revoke || plan.operations.length === 0) return { plan: c.plan, footprint, outcome: null };
        const residual = async (after: AccessState): Promise<Operation[]> => [...teardownWithSecureViews(after, await readFootprint(), connection, open.spec.options.rolePrefix).operations];
        const outcome = await execute(open, { ...c, residual }, { actor: opts.actor, action: 'teardown', ...(opts.onStatement ? { onStatement: opts.onStatement } : {}) });
        return { plan: c.plan, footprint, outcome };
      } finally {
        await held.close();
      }
    },
  };
}

/**
 * A database that cannot be reached, or a lock another apply holds, is about one connection:
 * say which, in the message (a command may act on several) and in `details.connection`.
 */
function aboutConnection(connection: string, err: unknown): unknown {
  if (!(err instanceof StewardError) || (err.code !== 'connection_failed' && err.code !== 'locked')) return err;
  const details: Record<string, unknown> = typeof err.details === 'object' && err.details !== null ? { ...(err.details as Record<string, unknown>) } : {};
  if (details.connection !== undefined) return err;
  return new StewardError(err.code, `connection "${connection}": ${err.message}`, { ...(err.hint ? { hint: err.hint } : {}), details: { ...details, connection }, cause: err });
}

/** The name of a connection's lock (PostgreSQL advisory lock key material, MySQL GET_LOCK name). */
export function lockKeyOf(connection: string): string {
  return `steward:${connection}`;
}

export type ReconcileService = ReturnType<typeof createReconcileService>;
