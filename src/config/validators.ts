/**
 * Validators for steward.yaml and for a single policy: the code `npm run build` generated from
 * the schema (validator-code.ts) when it is there and of this schema, else compiled here.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import type { Policy } from '../domain/policy.js';
import type { ConfigFile } from './schema.js';
import { compileValidator, schemaHash, type ValidatorName } from './validator-code.js';

const require = createRequire(import.meta.url);

/** Where the build writes a validator's code: beside this module. */
export function builtValidatorPath(name: ValidatorName): string {
  return fileURLToPath(new URL(`./validator-${name}.generated.cjs`, import.meta.url));
}

/** The built validator when present and made from this schema; null otherwise. */
export function builtValidator<T>(name: ValidatorName): ValidateFunction<T> | null {
  let mod: { default?: ValidateFunction<T>; schemaHash?: string };
  try {
    mod = require(builtValidatorPath(name)) as typeof mod;
  } catch {
    return null;
  }
  return mod.schemaHash === schemaHash() && typeof mod.default === 'function' ? mod.default : null;
}

/** Loaded or compiled on first use: commands that never validate (`status`) pay nothing at start. */
function onUse<T>(name: ValidatorName): ValidateFunction<T> {
  let fn: ValidateFunction<T> | null = null;
  const validate = ((data: unknown): boolean => {
    fn ??= builtValidator<T>(name) ?? compileValidator<T>(name);
    const ok = fn(data);
    validate.errors = fn.errors;
    return ok;
  }) as ValidateFunction<T>;
  return validate;
}

/** The whole file: every error, so the loader can name the deepest (most specific) one. */
export const validateConfigFile = onUse<ConfigFile>('config');

/** One policy (API, `policy put`): the first error names the field. */
export const validatePolicy = onUse<Policy>('policy');
