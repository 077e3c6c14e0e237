import { StewardError } from '../domain/errors.js';
import { configError, fieldName } from './issues.js';
import type { ConfigFile } from './schema.js';
import { sourceOf } from './source.js';

interface PolicyErrorDetails {
  readonly policy: string;
  readonly path?: readonly (string | number)[];
  readonly problem?: string;
}

function policyDetails(err: unknown): PolicyErrorDetails | null {
  if (!(err instanceof StewardError) || err.code !== 'invalid_input') return null;
  const d = err.details as Partial<PolicyErrorDetails> | undefined;
  return d !== undefined && typeof d.policy === 'string' ? (d as PolicyErrorDetails) : null;
}

/**
 * A plan-time error about a policy (a column the catalog lacks, a mask the type cannot take)
 * pointed at the configuration: `steward.yaml:12: policies[3].mask.round.step: …`, as errors
 * found while loading it are. Other errors pass through unchanged.
 */
export function locatePolicyError(err: unknown, cfg: ConfigFile): unknown {
  const d = policyDetails(err);
  if (d === null) return err;
  const index = (cfg.policies ?? []).findIndex((p) => p.name === d.policy);
  if (index < 0) return err;
  const path = ['policies', index, ...(d.path ?? ['on'])];
  const source = sourceOf(cfg);
  const e = err as StewardError;
  return configError(source.file, source.lineOf(path), fieldName(path), d.problem ?? e.message, e.hint);
}

/** Run `fn`, pointing policy errors at their line of the configuration `cfg`. */
export async function atConfigLines<T>(cfg: ConfigFile, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw locatePolicyError(err, cfg);
  }
}
