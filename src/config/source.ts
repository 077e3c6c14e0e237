/**
 * Where a parsed configuration came from: its file name and a way to find the line of any
 * field. Kept beside the parsed object (not in it) so the configuration stays plain data that
 * the API and the store can pass around; checks made later (references, principals) still
 * name the line.
 */
import type { FieldPath } from './issues.js';

export interface ConfigSource {
  readonly file: string;
  /** The line of the field at `path` (or of its nearest existing parent); null when unknown. */
  lineOf(path: FieldPath): number | null;
}

const sources = new WeakMap<object, ConfigSource>();

export function attachSource<T extends object>(cfg: T, source: ConfigSource): T {
  sources.set(cfg, source);
  return cfg;
}

/** The source of a parsed configuration, or one without lines named `file`. */
export function sourceOf(cfg: object, file = 'config'): ConfigSource {
  return sources.get(cfg) ?? { file, lineOf: () => null };
}
