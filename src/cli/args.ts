import { invalidInput } from '../domain/errors.js';

/**
 * A whole number ≥ `min` written in decimal digits, or a named error: `Number()` alone would
 * take "1.5", "1e3", "0x10" and " " and hand the store a value it then fails on with raw SQL.
 */
export function wholeNumber(field: string, text: string, opts: { min?: number; max?: number; what?: string } = {}): number {
  const min = opts.min ?? 1;
  const what = opts.what ?? (min === 1 ? 'a positive whole number' : `a whole number ≥ ${min}`);
  const n = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || (opts.max !== undefined && n > opts.max)) {
    throw invalidInput(field, `"${text}" is not ${what}${opts.max !== undefined ? ` up to ${opts.max}` : ''}`, `write it like ${field.startsWith('--') ? `${field} 20` : '42'}`);
  }
  return n;
}
