/**
 * Validators for steward.yaml and for a single policy: the code `npm run build` generated from
 * the schema (validator-code.ts) when it is there and stamped with these sources
 * (validator-stamp.ts), else compiled here. The compiler, TypeBox and the schema load only in
 * that second case: a command that reads a file with built validators never loads them.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import type { Policy } from '../domain/policy.js';
import type { ConfigFile } from './schema.js';
import type { ValidatorName } from './validator-code.js';
import { sourceStamp, stampOfBuilt } from './validator-stamp.js';

const require = createRequire(import.meta.url);

/** Where the build writes a validator's code: beside this module. */
export function builtValidatorPath(name: ValidatorName): string {
  return fileURLToPath(new URL(`./validator-${name}.generated.cjs`, import.meta.url));
}

/** The validator generated at `path` when it carries `stamp`; null otherwise (absent, stale, or not a validator). */
export function builtValidatorAt<T>(path: string, stamp: string | null): ValidateFunction<T> | null {
  if (stamp === null || stampOfBuilt(path) !== stamp) return null;
  let mod: { default?: ValidateFunction<T>; sourceStamp?: string };
  try {
    mod = require(path) as typeof mod;
  } catch {
    return null;
  }
  return mod.sourceStamp === stamp && typeof mod.default === 'function' ? mod.default : null;
}

const NAMES: readonly ValidatorName[] = ['config', 'policy'];
// Both built and current: nothing to compile. Otherwise the compiler loads with this module.
const fresh = NAMES.every((n) => stampOfBuilt(builtValidatorPath(n)) === sourceStamp() && sourceStamp() !== null);
const compiler = fresh ? null : await import('./validator-code.js');

/** Loaded or compiled on first use: commands that never validate (`status`) pay nothing at start. */
function onUse<T>(name: ValidatorName): ValidateFunction<T> {
  let fn: ValidateFunction<T> | null = null;
  const validate = ((data: unknown): boolean => {
    fn ??= builtValidatorAt<T>(builtValidatorPath(name), sourceStamp()) ?? (compiler ?? failNoCompiler(name)).compileValidator<T>(name);
    const ok = fn(data);
    validate.errors = fn.errors;
    return ok;
  }) as ValidateFunction<T>;
  return validate;
}

/** The built code matched its stamp when this module loaded and no longer loads: say so (a build running meanwhile). */
function failNoCompiler(name: ValidatorName): never {
  throw new Error(`the built ${name} validator (${builtValidatorPath(name)}) changed while steward ran; run the command again`);
}

/** The whole file: every error, so the loader can name the deepest (most specific) one. */
export const validateConfigFile = onUse<ConfigFile>('config');

/** One policy (API, `policy put`): the first error names the field. */
export const validatePolicy = onUse<Policy>('policy');
