import { cmp } from '../domain/canonical-state.js';
import { StewardError } from '../domain/errors.js';
import { compileGlob, type Glob } from '../domain/glob.js';
import type { DataPolicy, MaskPolicy, Policy, RowFilterPolicy } from '../domain/policy.js';
import { DataPolicyProblem, fieldOf } from './data-policy-problem.js';
import { compileCondition, type UserPredicate } from './evaluate-condition.js';
import { normalizeMask, type NormalMask } from './mask-spec.js';
import { normalizePredicate, type NormalPredicate } from './row-predicate.js';
import { compileSelector, type CompiledSelector } from './select.js';

/** A `columns` entry: a literal column path (most specific target) or a glob. */
export interface ColumnTarget {
  readonly index: number;
  readonly glob: Glob;
  /** The raw names when the entry has no wildcard. */
  readonly literal: readonly string[] | null;
}

interface CompiledDataPolicyBase {
  readonly name: string;
  readonly on: CompiledSelector;
  readonly columns: readonly ColumnTarget[];
  /** null: nobody is exempt. */
  readonly except: UserPredicate | null;
}

export interface CompiledMask extends CompiledDataPolicyBase {
  readonly policy: MaskPolicy;
  readonly mask: NormalMask;
  readonly when: NormalPredicate | null;
}

export interface CompiledRowFilter extends CompiledDataPolicyBase {
  readonly policy: RowFilterPolicy;
  readonly where: NormalPredicate;
}

/** A data-policy problem as the plan reports it: the policy, the field, a hint. */
export function policyError(policy: string, path: readonly (string | number)[], problem: string, hint: string): StewardError {
  const field = fieldOf(path);
  return new StewardError('invalid_input', `policy "${policy}": ${field}: ${problem}`, { hint, details: { policy, field, path, problem } });
}

function wrap<T>(policy: DataPolicy, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DataPolicyProblem) throw policyError(policy.name, err.path, err.message, err.hint);
    throw err;
  }
}

/**
 * Check a data policy without the catalog: mask shape and values, predicates, globs. Throws
 * `DataPolicyProblem` with the path of the field inside the policy (the configuration loader
 * maps it to a line).
 */
export function checkDataPolicy(p: DataPolicy): void {
  if (p.type === 'mask') {
    normalizeMask(p);
    if (p.when !== undefined) normalizePredicate(p.when, ['when']);
  } else {
    normalizePredicate(p.where, ['where']);
  }
  columnTargets(p);
}

function columnTargets(p: DataPolicy): ColumnTarget[] {
  if (p.type === 'rowFilter' && p.on.columns !== undefined) {
    throw new DataPolicyProblem(['on', 'columns'], 'a row filter applies to tables, not columns', 'select tables with paths, tags or columnTags');
  }
  return globTargets(p);
}

function globTargets(p: DataPolicy): ColumnTarget[] {
  return (p.on.columns ?? []).map((source, index) => {
    let glob: Glob;
    try {
      glob = compileGlob(source);
    } catch (err) {
      throw new DataPolicyProblem(['on', 'columns', index], (err as Error).message, 'a column path: connection/database/schema/table/column; escape "/", "*" and "\\" inside names');
    }
    const literal = glob.segments.every((s) => s.kind === 'segment' && s.literal !== null)
      ? glob.segments.map((s) => (s.kind === 'segment' ? s.literal! : ''))
      : null;
    return { index, glob, literal };
  });
}

function selectorOf(p: DataPolicy): CompiledSelector {
  try {
    return compileSelector(p.on);
  } catch (err) {
    throw new DataPolicyProblem(['on', 'paths'], (err as Error).message, 'paths are globs of full paths such as warehouse/shop/public/*');
  }
}

/**
 * Compile the data policies once (masks and predicates normalized, globs and `except`
 * conditions compiled), sorted by name. Any problem is a `StewardError('invalid_input')` naming
 * the policy and the field, with a hint.
 */
export function compileDataPolicies(policies: readonly Policy[]): { masks: CompiledMask[]; filters: CompiledRowFilter[] } {
  const masks: CompiledMask[] = [];
  const filters: CompiledRowFilter[] = [];
  for (const p of policies) {
    if (p.type !== 'mask' && p.type !== 'rowFilter') continue;
    wrap(p, () => {
      const base = { name: p.name, on: selectorOf(p), columns: columnTargets(p), except: p.except === undefined ? null : compileCondition(p.except) };
      if (p.type === 'mask') {
        masks.push({ ...base, policy: p, mask: normalizeMask(p), when: p.when === undefined ? null : normalizePredicate(p.when, ['when']) });
      } else {
        filters.push({ ...base, policy: p, where: normalizePredicate(p.where, ['where']) });
      }
    });
  }
  masks.sort((a, b) => cmp(a.name, b.name));
  filters.sort((a, b) => cmp(a.name, b.name));
  return { masks, filters };
}
