import { redactSecrets } from './errors.js';

/** Keys whose values are secrets whatever they look like. */
const SECRET_KEY = /^(password|passwd|secret|token|tokenHash|token_hash|masterKey|authorization)$/i;

/**
 * A copy of a JSON-like value with every secret removed: values under secret keys become `***`,
 * every string goes through `redactSecrets` (passwords in URLs, `password=…` pairs). For what is
 * stored or logged as structured data (audit before/after, log objects). Only plain objects and
 * arrays are walked: anything else (an Error, a Date, a request) is left to its own serializer.
 */
export function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined ? '***' : redactDeep(v);
    return out;
  }
  return value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
