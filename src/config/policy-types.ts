/**
 * The policy types steward.yaml accepts, in the schema's order: what an error about a policy's
 * `type` lists. Kept apart from schema.ts so that reporting that error does not load TypeBox;
 * `test/unit/config-validators.test.ts` checks that these are the schema's.
 */
export const POLICY_TYPES: readonly string[] = ['subscription', 'guardrail', 'mask', 'rowFilter'];
