import type { AccessState } from '../domain/access.js';
import { StewardError } from '../domain/errors.js';
import type { Operation } from '../domain/plan.js';
import type { SecureViewActual, SecureViewState } from '../domain/secure-view.js';
import { policyError } from '../policy/compile-data-policies.js';
import type { DesiredState } from '../policy/desired-state.js';
import type { PolicyInput } from '../policy/input.js';
import { readersOf, withoutStewardObjects, withSecureViews } from '../policy/secure-access.js';
import { secureLocations } from '../policy/secure-locations.js';
import { computeSecureViews } from '../policy/secure-views.js';
import type { Platform, PlatformSession } from '../platforms/platform.js';
import { definitionDigest } from '../platforms/secure-view-dialect.js';
import { planSecureViews } from './secure-view-diff.js';

/**
 * Data policies inside one reconcile: the secure-view engine's state (pure), what the database
 * holds (read once), the desired access state rewritten for views, and the secure-view
 * operations of the plan. Use:
 *
 *   const dp = prepareDataPolicies(input, platform);
 *   const desired = await dp.desired(computeDesiredState(dp.accessInput), session);
 *   … actual access state, access plan …
 *   operations = mergeOperations(accessOperations, dp.operations(desired.state));
 */
export interface DataPolicyPlanning {
  /** The access engine's input: the catalog without Steward's own schemas or databases. */
  readonly accessInput: PolicyInput;
  /** The secure views the data policies ask for. */
  readonly views: SecureViewState;
  /** Read the secure-view state, check regular expressions, and rewrite the access state for views. */
  desired(base: DesiredState, session: PlatformSession): Promise<DesiredState>;
  /** The secure-view operations (after `desired`). */
  operations(desired: AccessState): Operation[];
  /** Read the secure-view state again (after an apply): the operations still to do. */
  remaining(session: PlatformSession, desired: AccessState): Promise<Operation[]>;
}

export function prepareDataPolicies(input: PolicyInput, platform: Platform): DataPolicyPlanning {
  const dialect = platform.secureViews;
  const views = computeSecureViews(input);
  if (dialect === undefined) {
    if (views.views.length > 0) {
      throw new StewardError('unsupported', `connection "${input.connection}": masks and row filters are not enforced on ${platform.type} yet`, {
        hint: 'data policies work on PostgreSQL, MySQL and MariaDB; narrow their `on` to other connections',
      });
    }
    return { accessInput: input, views, desired: async (base) => base, operations: () => [], remaining: async () => [] };
  }
  const locations = secureLocations(input.connection, input.options, input.capabilities.hierarchy);
  const databases = [...new Set(input.catalog.filter((e) => e.kind === 'database').map((e) => e.segments[0]!))];
  const candidates = { systems: locations.systemsOf(databases), containers: views.containers };
  const operationsFor = (now: SecureViewActual, desired: AccessState): Operation[] =>
    planSecureViews(views, now, {
      digestOf: (spec) => definitionDigest(dialect.viewDefinition(spec, views.owner)),
      readersOf: (spec) => readersOf(desired, spec.view),
    }).map((change): Operation => ({ kind: 'secureView', change, ...(change.kind === 'buildView' && change.reason === 'drift' ? { drift: true } : {}) }));
  let actual: SecureViewActual | null = null;
  return {
    accessInput: withoutStewardObjects(input),
    views,
    async desired(base, session) {
      if (session.readSecureViews === undefined) {
        // A session without secure-view reads (a test double) can still plan a connection without data policies.
        if (views.views.length > 0) throw new StewardError('unsupported', `connection "${input.connection}": this session cannot read secure views`);
        actual = { systems: [], containers: [] };
        return base;
      }
      actual = await session.readSecureViews(candidates);
      await checkPatterns(views, session);
      return withSecureViews(base, views, input, { ownerReads: (s) => dialect.ownerReads(s), keepOwner: actual.systems.length > 0 });
    },
    operations(desired) {
      if (actual === null) throw new Error('prepareDataPolicies: desired() must run before operations()');
      return operationsFor(actual, desired);
    },
    async remaining(session, desired) {
      return session.readSecureViews === undefined ? [] : operationsFor(await session.readSecureViews(candidates), desired);
    },
  };
}

/** Regular expressions go to the server's own engine first: JavaScript's syntax differs from both. */
async function checkPatterns(views: SecureViewState, session: PlatformSession): Promise<void> {
  const policyOf = new Map<string, string>();
  for (const v of views.views) for (const c of v.columns) if (c.mask?.expr.kind === 'regex') policyOf.set(c.mask.expr.pattern, c.mask.policy);
  if (policyOf.size === 0 || session.checkRegexes === undefined) return;
  const refused = await session.checkRegexes([...policyOf.keys()]);
  if (refused.length > 0) {
    const r = refused[0]!;
    throw policyError(policyOf.get(r.pattern)!, ['mask', 'regex', 'pattern'], `the database refuses the pattern: ${r.error}`, "write it in the database's regular-expression syntax");
  }
}

/** Access operations before any privilege is granted (and before roles are dropped or created). */
const isRevocation = (op: Operation): boolean =>
  op.kind === 'revoke' || op.kind === 'revokeMembership' || op.kind === 'revokeDefault' || (op.kind === 'setDefaultRole' && op.role === null);
const isGrant = (op: Operation): boolean =>
  op.kind === 'grant' || op.kind === 'grantDefault' || op.kind === 'grantMembership' || (op.kind === 'setDefaultRole' && op.role !== null);

/**
 * One plan from access and secure-view operations: views are dropped after the revocations (a
 * REVOKE on a dropped view fails) and before roles are dropped; everything else secure-view
 * (system setup, profile rows, salts, view builds) runs after roles are created (the owner
 * role must exist) and before anything is granted (a grant on a new view needs the view).
 */
export function mergeOperations(access: readonly Operation[], secure: readonly Operation[]): Operation[] {
  if (secure.length === 0) return [...access];
  const isDrop = (o: Operation): boolean => o.kind === 'secureView' && (o.change.kind === 'dropView' || o.change.kind === 'dropViewContainer' || o.change.kind === 'dropSystem');
  const drops = secure.filter(isDrop);
  const builds = secure.filter((o) => !isDrop(o));
  let teardownAt = access.findIndex((op) => !isRevocation(op));
  if (teardownAt < 0) teardownAt = access.length;
  let buildAt = access.findIndex((op, i) => i >= teardownAt && isGrant(op));
  if (buildAt < 0) buildAt = access.length;
  return [...access.slice(0, teardownAt), ...drops, ...access.slice(teardownAt, buildAt), ...builds, ...access.slice(buildAt)];
}
