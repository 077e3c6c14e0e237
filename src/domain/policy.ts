/** Policies as stored and evaluated. The YAML and API shapes parse into these. */

/**
 * Who a policy is about. Keys inside one condition object all have to hold (AND); `groups`
 * and `users` hold when the user is any one of those listed; `attributes` holds when, for
 * every key, the user has any of the values (`attributeMatch: all` — all of them). `any`,
 * `all` and `not` combine conditions.
 */
export interface Condition {
  readonly anyone?: boolean;
  readonly groups?: readonly string[];
  readonly users?: readonly string[];
  readonly attributes?: Readonly<Record<string, readonly string[]>>;
  readonly attributeMatch?: 'any' | 'all';
  readonly any?: readonly Condition[];
  readonly all?: readonly Condition[];
  readonly not?: Condition;
}

/** What a policy applies to: everything, or objects with any listed tag or matching any glob. */
export interface Selector {
  readonly all?: boolean;
  readonly tags?: readonly string[];
  readonly paths?: readonly string[];
  /** Data policies: columns carrying any of these tags. */
  readonly columnTags?: readonly string[];
}

export type AccessType = 'read' | 'write';

export interface SubscriptionPolicy {
  readonly name: string;
  readonly type: 'subscription';
  readonly access: AccessType;
  readonly to: Condition;
  readonly on: Selector;
  /** ISO timestamp after which the policy grants nothing. */
  readonly expires?: string | null;
}

/** A condition every subscriber of the selected objects must also meet (combined with AND). */
export interface GuardrailPolicy {
  readonly name: string;
  readonly type: 'guardrail';
  readonly to: Condition;
  readonly on: Selector;
}

export type MaskKind = 'null' | 'constant' | 'hash' | 'regex' | 'round';

/** Data policies are stored and validated now; their enforcement comes with the secure-view engine. */
export interface MaskPolicy {
  readonly name: string;
  readonly type: 'mask';
  readonly on: Selector;
  readonly mask: MaskKind;
  readonly value?: string | number | null;
  readonly pattern?: string;
  readonly replacement?: string;
  readonly except?: Condition;
}

export interface RowFilterPolicy {
  readonly name: string;
  readonly type: 'rowFilter';
  readonly on: Selector;
  readonly where: { readonly column: string; readonly in: string };
  readonly except?: Condition;
}

export type Policy = SubscriptionPolicy | GuardrailPolicy | MaskPolicy | RowFilterPolicy;

export function isActive(policy: SubscriptionPolicy, now: Date): boolean {
  return policy.expires == null || new Date(policy.expires).getTime() > now.getTime();
}
