import type { Statement } from '../../src/domain/plan.js';

/**
 * Every converge run starts from the same reset state, so its plans must be equal; when one is
 * not, say how (a reset that missed something, or a nondeterministic plan).
 */
export function planDifference(plans: readonly (readonly Statement[])[]): string | null {
  const key = (p: readonly Statement[]): string => p.map((s) => s.sql).join('\n');
  const first = key(plans[0] ?? []);
  const odd = plans.findIndex((p) => key(p) !== first);
  if (odd < 0) return null;
  const a = new Set(plans[0]!.map((s) => s.sql));
  const b = new Set(plans[odd]!.map((s) => s.sql));
  const onlyA = [...a].filter((s) => !b.has(s));
  const onlyB = [...b].filter((s) => !a.has(s));
  const show = (xs: string[]): string => xs.slice(0, 3).map((s) => `\`${s.length > 160 ? `${s.slice(0, 160)}…` : s}\``).join('; ');
  return (
    `UNEXPECTED: converge plans differ between runs (run 1: ${plans[0]!.length} statements, run ${odd + 1}: ${plans[odd]!.length}). ` +
    `Only in run 1 (${onlyA.length}): ${show(onlyA)}. Only in run ${odd + 1} (${onlyB.length}): ${show(onlyB)}.`
  );
}
