import { StewardError } from '../domain/errors.js';
import { hasLoneSurrogate } from '../domain/unicode.js';

/** A value written into DDL, where no bind parameter can stand (view definitions). */
export type SqlLiteralValue = string | number | boolean | null;

/** A refusal of the dialects' value-literal functions. */
export function refuseLiteral(problem: string, hint: string): StewardError {
  return new StewardError('invalid_input', `literal: ${problem}`, { hint });
}

/**
 * The literal of a value that is not text, the same in every dialect: NULL, TRUE/FALSE, a
 * finite number (a negative one parenthesized, so that no neighbouring operator can absorb the
 * sign). Text: null, for the dialect to quote, after refusing a lone surrogate (no UTF-8 form:
 * a driver would silently send U+FFFD).
 */
export function plainLiteral(value: SqlLiteralValue): string | null {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw refuseLiteral(`${value} is not a finite number`, 'write a plain number');
    return value < 0 ? `(${String(value)})` : String(value);
  }
  if (hasLoneSurrogate(value)) throw refuseLiteral('text contains a lone surrogate', 'write valid Unicode text');
  return null;
}
