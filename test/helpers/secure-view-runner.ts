/**
 * Plan and run secure views the way apply will: desired (pure engine) + actual (catalog read)
 * → operations → the dialect's statements, run by an admin connection per database.
 */
import { computeSecureViews } from '../../src/policy/secure-views.js';
import type { PolicyInput } from '../../src/policy/input.js';
import type { SecureViewActual, SecureViewSpec, SecureViewState } from '../../src/domain/secure-view.js';
import { definitionDigest, type ParamStatement, type SecureViewDialect } from '../../src/platforms/secure-view-dialect.js';
import type { SecureViewChange } from '../../src/domain/secure-view.js';
import { compileSecureViewOps, planSecureViews } from '../../src/reconcile/secure-view-diff.js';

export interface SecureViewRun {
  readonly desired: SecureViewState;
  readonly ops: SecureViewChange[];
  readonly statements: ParamStatement[];
}

export async function planAndRun(opts: {
  readonly input: PolicyInput;
  readonly dialect: SecureViewDialect;
  readonly readActual: (desired: SecureViewState) => Promise<SecureViewActual>;
  readonly readers: readonly string[];
  readonly run: (statements: readonly ParamStatement[]) => Promise<void>;
  /** Plan only. */
  readonly dryRun?: boolean;
}): Promise<SecureViewRun> {
  const desired = computeSecureViews(opts.input);
  const actual = await opts.readActual(desired);
  const ops = planSecureViews(desired, actual, {
    digestOf: (spec: SecureViewSpec) => definitionDigest(opts.dialect.viewDefinition(spec, desired.owner)),
    readersOf: () => opts.readers,
  });
  const statements = compileSecureViewOps(ops, opts.dialect, desired.owner);
  if (opts.dryRun !== true && statements.length > 0) await opts.run(statements);
  return { desired, ops, statements };
}
