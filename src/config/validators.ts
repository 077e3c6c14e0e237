/**
 * Compiled JSON Schema validators for steward.yaml and for a single policy: the one place Ajv
 * and its formats are set up.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Policy } from '../domain/policy.js';
import { ConfigSchema, PolicySchema, type ConfigFile } from './schema.js';

// ajv-formats ships CommonJS; its default export is the plugin function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The whole file: every error, so the loader can name the deepest (most specific) one. */
export const validateConfigFile = addFormats(new Ajv({ allErrors: true, verbose: true, strict: false, discriminator: true })).compile<ConfigFile>(ConfigSchema);

/** One policy (API, `policy put`): the first error names the field. */
export const validatePolicy = addFormats(new Ajv({ strict: false, discriminator: true })).compile<Policy>(PolicySchema);
