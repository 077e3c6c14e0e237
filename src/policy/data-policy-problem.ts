import { hasLoneSurrogate } from '../domain/unicode.js';

/**
 * A problem in one data policy, found without the catalog (shape and values) or with it
 * (columns, types). `path` is relative to the policy (e.g. `['where', 'and', 0, 'value']`) so
 * that the configuration loader can point at the file's line, and the engine can name the
 * field in its plan-time error.
 */
export class DataPolicyProblem extends Error {
  readonly path: readonly (string | number)[];
  readonly hint: string;

  constructor(path: readonly (string | number)[], problem: string, hint: string) {
    super(problem);
    this.name = 'DataPolicyProblem';
    this.path = path;
    this.hint = hint;
  }
}

/** `where.and[0].value`: a field path as people read it. */
export function fieldOf(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * Text that becomes a SQL literal: PostgreSQL text cannot hold NUL, and a lone surrogate has no
 * UTF-8 form (the driver would silently send U+FFFD). Refuse both, for every platform alike.
 */
export function checkText(v: string, path: readonly (string | number)[]): void {
  if (v.includes('\u0000')) throw new DataPolicyProblem(path, 'contains a NUL character', 'remove the \\0 character');
  if (hasLoneSurrogate(v)) throw new DataPolicyProblem(path, 'contains a lone surrogate (not valid Unicode)', 'write valid UTF-8 text');
}
