import type { ConfigFile } from '../config/schema.js';
import { parseConfig } from '../config/load-config.js';

/**
 * Check a configuration sent as JSON with exactly the validator a file goes through (schema and
 * the checks a schema cannot make), so the API accepts nothing the CLI would refuse.
 *
 * The environment is empty on purpose: the caller substitutes `${VAR}` before sending, and the
 * server must never fill a client's placeholders from its own environment (its master key
 * among them). A leftover `${VAR}` is therefore an error naming the variable.
 */
export function parseConfigBody(config: unknown): ConfigFile {
  // JSON is YAML; pretty-printed so the line in an error message points at one field.
  return parseConfig(JSON.stringify(config, null, 2), 'config', {});
}
