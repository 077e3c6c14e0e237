import { StewardError } from '../domain/errors.js';
import { isActive, type GuardrailPolicy, type Policy, type SubscriptionPolicy } from '../domain/policy.js';
import { cmp } from '../domain/canonical-state.js';
import { compileCondition, type UserPredicate } from './evaluate-condition.js';
import { compileSelector, type CompiledSelector } from './select.js';

export interface CompiledSubscription {
  readonly policy: SubscriptionPolicy;
  /** Not expired at `now`. */
  readonly active: boolean;
  readonly to: UserPredicate;
  readonly on: CompiledSelector;
}

export interface CompiledGuardrail {
  readonly policy: GuardrailPolicy;
  readonly to: UserPredicate;
  readonly on: CompiledSelector;
}

export interface CompiledPolicies {
  /** Every subscription policy, active or not, sorted by name. */
  readonly subscriptions: readonly CompiledSubscription[];
  /** Every guardrail, sorted by name. */
  readonly guardrails: readonly CompiledGuardrail[];
}

/**
 * Compile the access policies once (conditions to predicates, globs to matchers), so that the
 * engine evaluates each policy's user set and object set once. Data policies (mask, row
 * filter) do not decide who reaches a table and are left to the secure-view engine.
 * A malformed glob throws `StewardError('invalid_input')` naming the policy.
 */
export function compilePolicies(policies: readonly Policy[], now: Date): CompiledPolicies {
  const subscriptions: CompiledSubscription[] = [];
  const guardrails: CompiledGuardrail[] = [];
  for (const p of policies) {
    if (p.type === 'subscription') {
      subscriptions.push({ policy: p, active: isActive(p, now), to: compileCondition(p.to), on: selectorOf(p) });
    } else if (p.type === 'guardrail') {
      guardrails.push({ policy: p, to: compileCondition(p.to), on: selectorOf(p) });
    }
  }
  const byName = (a: { policy: Policy }, b: { policy: Policy }): number => cmp(a.policy.name, b.policy.name);
  return { subscriptions: subscriptions.sort(byName), guardrails: guardrails.sort(byName) };
}

function selectorOf(p: Policy): CompiledSelector {
  try {
    return compileSelector(p.on);
  } catch (err) {
    throw new StewardError('invalid_input', `policy "${p.name}": on.paths: ${(err as Error).message}`, {
      hint: 'paths are globs of full paths such as warehouse/shop/public/*',
      details: { field: `policies.${p.name}.on.paths` },
      cause: err,
    });
  }
}
