import type { GovernanceModel } from '../config/to-model.js';
import type { ConnectionSpec } from '../domain/connection.js';
import type { CheckOptions, Platform } from '../platforms/platform.js';
import { computeSecureViews } from '../policy/secure-views.js';
import type { LiveObject } from '../store/objects-repo.js';
import { buildPolicyInput } from './policy-input.js';

/**
 * What `connection check` must advise for data policies on one connection: nothing when the
 * configuration has no mask or row filter, or when they reach nothing in its synced catalog;
 * the base tables the secure views go over when the catalog tells; every governed table
 * (`bases: null`) when it cannot (not synced yet, or the policies do not compile against it).
 */
export function dataPolicyNeeds(spec: ConnectionSpec, platform: Platform, model: GovernanceModel, objects: readonly LiveObject[], now: Date): CheckOptions {
  if (platform.secureViews === undefined || !model.policies.some((p) => p.type === 'mask' || p.type === 'rowFilter')) return {};
  if (objects.length === 0) return { dataPolicies: { bases: null } };
  try {
    const views = computeSecureViews(buildPolicyInput(spec, platform, model, { kind: 'stored', objects }, now)).views;
    return views.length === 0 ? {} : { dataPolicies: { bases: views.map((v) => v.base) } };
  } catch {
    return { dataPolicies: { bases: null } };
  }
}
