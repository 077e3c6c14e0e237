/**
 * The Ajv setup of steward.yaml's and a policy's validators, and their standalone code: `npm run
 * build` writes that code into dist/ (build-validators.ts), so a command that validates a file
 * loads a ready function instead of compiling the schema (≈0.4 s of CPU in a cold process).
 * `validators.ts` falls back to compiling here when the built code is absent or stale.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv as AjvType, Options, ValidateFunction } from 'ajv';
import { ConfigSchema, PolicySchema } from './schema.js';
import { sourceStamp } from './validator-stamp.js';

const require = createRequire(import.meta.url);

export type ValidatorName = 'config' | 'policy';

/** Options per validator: the whole file reports every error (the loader names the deepest). */
const OPTIONS: Record<ValidatorName, Options> = {
  config: { allErrors: true, verbose: true, strict: false, discriminator: true },
  policy: { strict: false, discriminator: true },
};
const SCHEMAS = { config: ConfigSchema, policy: PolicySchema } as const;

/** Identifies the schemas and options the code was generated from: built code of another revision is not used. */
export function schemaHash(): string {
  return createHash('sha256').update(JSON.stringify([OPTIONS, SCHEMAS])).digest('hex').slice(0, 32);
}

function ajvFor(name: ValidatorName, code?: Options['code']): AjvType {
  // Loaded only here: Ajv's compiler is large, and built code needs only its small runtime.
  const { Ajv } = require('ajv') as typeof import('ajv');
  // ajv-formats ships CommonJS; its default export is the plugin function.
  const addFormats = require('ajv-formats') as (ajv: AjvType) => AjvType;
  return addFormats(new Ajv({ ...OPTIONS[name], ...(code ? { code } : {}) }));
}

/** Compile a validator in this process (the fallback, and what the built code is checked against). */
export function compileValidator<T>(name: ValidatorName): ValidateFunction<T> {
  return ajvFor(name).compile<T>(SCHEMAS[name]);
}

/**
 * CommonJS source of a validator (Ajv standalone), with the schema hash it was made from and,
 * last, the stamp of its sources (validator-stamp.ts) that a process checks before using it.
 */
export function validatorSource(name: ValidatorName): string {
  const ajv = ajvFor(name, { source: true });
  const standalone = require('ajv/dist/standalone') as { default: (ajv: AjvType, fn: ValidateFunction) => string };
  const code = standalone.default(ajv, ajv.compile(SCHEMAS[name]));
  const stamp = sourceStamp();
  if (stamp === null) throw new Error('validatorSource: the sources of the schema cannot be read to stamp the code');
  return `${code}\nmodule.exports.schemaHash = ${JSON.stringify(schemaHash())};\nmodule.exports.sourceStamp = ${JSON.stringify(stamp)};\n`;
}
