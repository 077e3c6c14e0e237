/**
 * Compiled JSON Schema validators for steward.yaml and for a single policy: the one place Ajv
 * and its formats are set up.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Policy } from '../domain/policy.js';
import { ConfigSchema, PolicySchema, type ConfigFile } from './schema.js';

// ajv-formats ships CommonJS; its default export is the plugin function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Compiled on first use: compiling costs ≈0.1 s, which commands that never validate (`status`,
 * `connection list`) should not pay at start.
 */
function compiledOnUse<T>(compile: () => ValidateFunction<T>): ValidateFunction<T> {
  let fn: ValidateFunction<T> | null = null;
  const validate = ((data: unknown): boolean => {
    fn ??= compile();
    const ok = fn(data);
    validate.errors = fn.errors;
    return ok;
  }) as ValidateFunction<T>;
  return validate;
}

/** The whole file: every error, so the loader can name the deepest (most specific) one. */
export const validateConfigFile = compiledOnUse(() => addFormats(new Ajv({ allErrors: true, verbose: true, strict: false, discriminator: true })).compile<ConfigFile>(ConfigSchema));

/** One policy (API, `policy put`): the first error names the field. */
export const validatePolicy = compiledOnUse(() => addFormats(new Ajv({ strict: false, discriminator: true })).compile<Policy>(PolicySchema));
