/**
 * The one place the jobs call the reconcile service. Its interface is being reshaped; keeping
 * every call here makes that merge a change to this file only.
 */
import type { GovernanceModel } from '../config/to-model.js';
import type { ApplyOutcome } from '../reconcile/reconcile-service.js';
import type { Services } from '../services/container.js';

export interface ReconcileRun {
  readonly outcome: ApplyOutcome;
  /** The model the plan was computed from (for naming policies and users in events). */
  readonly model: GovernanceModel | null;
}

/**
 * Sync (when asked), plan and apply one connection from the stored model. Background runs are
 * not audited when there is nothing to do, so a quiet system writes nothing.
 */
export async function reconcileConnection(
  services: Services,
  connection: string,
  opts: { actor: string; sync: boolean; scoped?: boolean; onPhase?: (phase: string) => void },
): Promise<ReconcileRun> {
  let model: GovernanceModel | null = null;
  const outcome = await services.reconcile.apply(
    connection,
    // modelFor fails closed when a guardrail on this connection selects nothing (see the config service).
    async () => (model = await services.config.modelFor(connection)),
    { actor: opts.actor, sync: opts.sync, auditNoop: false, scoped: opts.scoped === true, ...(opts.onPhase ? { onPhase: opts.onPhase } : {}) },
  );
  return { outcome, model };
}
