/**
 * The one error to show for a configuration the JSON Schema refused: the deepest of Ajv's
 * errors (it names the field the user actually got wrong), in words, with a hint.
 */
import type { ErrorObject } from 'ajv';
import { showName } from '../domain/principal-name.js';
import { fieldName, type ConfigIssue, type FieldPath } from './issues.js';
import { POLICY_TYPES } from './policy-types.js';
import type { ConfigSource } from './source.js';

/** JSON pointer → path; segments under an array become numbers, so `users.123` stays a name. */
function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const index = Array.isArray(node) ? Number(key) : null;
    out.push(index ?? key);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return out;
}

function describe(e: ErrorObject, path: FieldPath): { problem: string; hint?: string; extra?: string } {
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      return { problem: `unknown field ${JSON.stringify(prop)}`, hint: 'check the spelling; `steward schema` prints every allowed field', extra: prop };
    }
    case 'required':
      return { problem: `missing required field "${(e.params as { missingProperty: string }).missingProperty}"`, hint: 'see `steward schema` for the fields each section needs' };
    case 'const':
      return { problem: `must be "${String((e.params as { allowedValue: unknown }).allowedValue)}"` };
    case 'enum':
      return { problem: `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}` };
    case 'type':
      return { problem: `must be ${article((e.params as { type: string }).type)}`, hint: 'see `steward schema` for the shape of each field' };
    case 'format':
      return (e.params as { format: string }).format === 'date-time'
        ? { problem: 'is not a date and time', hint: 'write an ISO 8601 timestamp with a zone, e.g. 2026-12-31T00:00:00Z' }
        : (e.params as { format: string }).format === 'email'
          ? { problem: 'is not an e-mail address', hint: 'write it like alice@example.com' }
          : { problem: `is not a valid ${(e.params as { format: string }).format}` };
    case 'maxLength':
    case 'minLength': {
      const limit = (e.params as { limit: number }).limit;
      const value = typeof e.data === 'string' ? `${showName(e.data)} ` : '';
      return e.keyword === 'maxLength'
        ? { problem: `${value}is longer than ${limit} characters`, hint: `use at most ${limit} characters` }
        : { problem: `${value}is shorter than ${limit} character${limit === 1 ? '' : 's'}`, hint: 'this field cannot be empty' };
    }
    case 'pattern':
      return path[path.length - 1] === 'rolePrefix'
        ? { problem: 'is not a plain lowercase identifier', hint: 'use lowercase letters, digits and "_", starting with a letter or "_"' }
        : { problem: `does not match ${(e.params as { pattern: string }).pattern}` };
    case 'discriminator': {
      const { tag, tagValue } = e.params as { tag: string; tagValue: unknown };
      return { problem: `${JSON.stringify(tagValue)} is not one of ${POLICY_TYPES.map((t) => JSON.stringify(t)).join(', ')}`, extra: tag };
    }
    case 'propertyNames':
      return { problem: 'has an invalid key' };
    default:
      return { problem: e.message ?? 'is invalid' };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

const SCHEMA_HINT = 'see `steward schema` for what this field accepts';

/** The issue for Ajv's `errors` on `data` (validated with allErrors and verbose). */
export function schemaIssue(errors: readonly ErrorObject[], data: unknown, source: ConfigSource): ConfigIssue {
  const rank = (e: ErrorObject): number => e.instancePath.split('/').length * 10 + (e.keyword === 'additionalProperties' ? 1 : 0);
  const sorted = [...errors].sort((a, b) => rank(b) - rank(a));
  const e = sorted[0]!;
  const path = pointerToPath(e.instancePath, data);
  // A union of literals fails once per literal: name them all.
  const allowed = sorted.filter((x) => x.keyword === 'const' && x.instancePath === e.instancePath).map((x) => (x.params as { allowedValue: unknown }).allowedValue);
  const d = allowed.length > 1 ? { problem: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` } : describe(e, path);
  const at = d.extra !== undefined ? [...path, d.extra] : path;
  return { file: source.file, line: source.lineOf(at), field: fieldName(at), message: d.problem, hint: d.hint ?? SCHEMA_HINT };
}
