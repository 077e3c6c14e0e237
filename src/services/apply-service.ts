import type { ConfigFile } from '../config/schema.js';
import { connectionsOf } from '../config/to-model.js';
import type { ConnectionSpec } from '../domain/connection.js';
import { notFound, StewardError } from '../domain/errors.js';
import type { Platform } from '../platforms/platform.js';
import { SAFETY_RATIO, type ApplyOutcome, type PlanExpectation, type PreparedApply, type ReconcileService } from '../reconcile/reconcile-service.js';
import { planView, type PlanView } from '../client/steward-client.js';
import type { StatementResult } from '../platforms/platform.js';
import type { ConfigApplyResult, ConfigPreview, ConfigService } from './config-service.js';
import type { ConfigWarning } from '../config/issues.js';
import { validateConnection, type ConnectionService } from './connection-service.js';

export interface ApplyConfigOptions {
  readonly actor: string;
  /** Only this connection (the whole file is still stored). */
  readonly connection?: string;
  readonly force?: boolean;
  /** Plan against the live catalog (default), or the stored one (`false`: only identities or policies changed). */
  readonly sync?: boolean;
  /** Per connection: run only the plan that was shown (its digest), or refuse. */
  readonly expect?: Readonly<Record<string, PlanExpectation>>;
  readonly onStatement?: (connection: string, r: StatementResult) => void;
  /** One line per phase, for a progress display (a large file takes seconds per phase). */
  readonly onProgress?: (message: string) => void;
}

export interface ApplyConfigResult {
  readonly stored: ConfigApplyResult;
  readonly connections: readonly ApplyOutcome[];
}

/**
 * Policy as code, end to end: plan a configuration file against the live databases, or apply it
 * — every connection of it locked and planned first (against the file, storing nothing), the
 * plans checked against what was shown and against the safety valve, and only then the file
 * stored and the plans run. A refused or failed check leaves the store as it was.
 */
export function createApplyService(deps: {
  config: ConfigService;
  connections: ConnectionService;
  reconcile: ReconcileService;
  platforms: Readonly<Record<string, Platform>>;
}) {
  /** The connections a file acts on, each with the definition to plan against (the file's, else the stored one). */
  async function targets(cfg: ConfigFile, enforce: readonly string[], only?: string): Promise<{ name: string; live: { spec: ConnectionSpec; platform: Platform } }[]> {
    const fileConns = connectionsOf(cfg);
    const stored = await deps.connections.list();
    // A file without connections acts on every registered one: never "no changes" with changes pending.
    const names = only !== undefined ? [only] : [...enforce];
    if (names.length === 0) {
      throw new StewardError('invalid_input', 'connections: the configuration declares no connection and none is registered', {
        hint: 'add a connections: section, or register one with steward connection add',
      });
    }
    const out: { name: string; live: { spec: ConnectionSpec; platform: Platform } }[] = [];
    for (const name of names) {
      const fromFile = fileConns.find((c) => c.name === name);
      if (fromFile) {
        const v = validateConnection(fromFile, deps.platforms);
        out.push({ name, live: { spec: { name, type: v.type, url: fromFile.url, options: v.options }, platform: v.platform } });
      } else if (stored.some((c) => c.name === name)) {
        out.push({ name, live: await deps.connections.spec(name) });
      } else {
        throw notFound('connection', name, 'name a connection of the file or a registered one');
      }
    }
    return out;
  }

  return {
    /** What applying the file would do, per connection, with the configuration's warnings there; changes nothing anywhere. */
    async plan(cfg: ConfigFile, connection?: string): Promise<PlanView[]> {
      const { model, warnings, enforce } = await deps.config.preview(cfg);
      return withWarnings(warnings, async () => {
        const out: PlanView[] = [];
        for (const t of await targets(cfg, enforce, connection)) {
          const mine = warnings.filter((w) => w.connection === undefined || w.connection === t.name);
          out.push({ ...planView(await deps.reconcile.plan(t.name, model, t.live)), warnings: mine });
        }
        return out;
      });
    },

    async apply(cfg: ConfigFile, opts: ApplyConfigOptions): Promise<ApplyConfigResult> {
      opts.onProgress?.('checking the configuration against the store');
      const preview = await deps.config.preview(cfg, { forStore: true });
      return withWarnings(preview.warnings, () => applyPreviewed(cfg, preview, opts));
    },
  };

  async function applyPreviewed(cfg: ConfigFile, preview: ConfigPreview, opts: ApplyConfigOptions): Promise<ApplyConfigResult> {
    const list = await targets(cfg, preview.enforce, opts.connection);
    const model = () => Promise.resolve(preview.model);
    const prepared: { name: string; p: PreparedApply }[] = [];
    try {
      for (const t of list) {
        const expect = opts.expect?.[t.name];
        opts.onProgress?.(`${t.name}: ${opts.sync === false ? '' : 'syncing the catalog, '}reading the database's access and planning`);
        const p = await deps.reconcile.prepare(t.name, model, {
          actor: opts.actor,
          live: t.live,
          // Fail closed on the catalog planned against: a guardrail selecting nothing there stops it.
          checkModel: (m, objects) => deps.config.assertGuardrailsReach(m, t.name, objects),
          ...(opts.force ? { force: true } : {}),
          ...(opts.sync === false ? { sync: false } : {}),
          ...(expect ? { expect } : {}),
          ...(opts.onStatement ? { onStatement: (r: StatementResult) => opts.onStatement!(t.name, r) } : {}),
        });
        prepared.push({ name: t.name, p });
        const ms = p.plan.timings;
        const took = [ms.catalogMs !== undefined ? `catalog read ${ms.catalogMs} ms` : '', `desired state ${ms.desiredMs} ms`, `access read ${ms.actualMs} ms`, `diff ${ms.planMs} ms`].filter(Boolean).join(', ');
        opts.onProgress?.(`${t.name}: planned, ${p.plan.statements.length} statements (${took})`);
      }
      // Every plan passes the safety valve before anything is stored.
      for (const { name, p } of prepared) {
        if (p.plan.operations.length > 0 && p.plan.revocationRatio > SAFETY_RATIO && opts.force !== true) {
          throw new StewardError('unsafe_plan', `plan for "${name}" would revoke ${Math.round(p.plan.revocationRatio * 100)}% of the access Steward manages there`, {
            hint: 'check the configuration file; if this is intended, run again with --force',
            details: { connection: name, revocationRatio: p.plan.revocationRatio },
          });
        }
      }
      opts.onProgress?.('storing the configuration');
      const stored = await deps.config.store(cfg, opts.actor, preview);
      const connections: ApplyOutcome[] = [];
      for (const { name, p } of prepared) {
        opts.onProgress?.(p.plan.statements.length === 0 ? `${name}: nothing to run; recording the check` : `${name}: running ${p.plan.statements.length} statements, then reading back`);
        connections.push(await p.run());
      }
      return { stored, connections };
    } finally {
      for (const { p } of prepared) await p.release();
    }
  }
}

/**
 * A failure after the configuration was checked still carries its warnings (in `details`), so
 * that whoever reads the error also reads what may be wrong with the file.
 */
async function withWarnings<T>(warnings: readonly ConfigWarning[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (warnings.length === 0 || !(err instanceof StewardError)) throw err;
    const details = typeof err.details === 'object' && err.details !== null ? err.details : {};
    throw new StewardError(err.code, err.message, { ...(err.hint ? { hint: err.hint } : {}), details: { ...details, warnings }, cause: err });
  }
}

export type ApplyService = ReturnType<typeof createApplyService>;
