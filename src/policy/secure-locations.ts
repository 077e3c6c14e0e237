import type { ConnectionOptions } from '../domain/connection.js';
import { StewardError } from '../domain/errors.js';
import { segmentsKey } from './catalog-index.js';

type Hierarchy = readonly ('database' | 'schema' | 'table')[];

/**
 * Where secure views and Steward's profile tables live on one connection, from the
 * connection's `views` options:
 * - schema platforms (PostgreSQL): the view of `db/schema/table` is `db/<schema template>/table`
 *   (default `{schema}_secure`); the profile table is in schema `system` of each database;
 * - database platforms (MySQL/MariaDB): the view of `db/table` is `<database template>/table`
 *   (default `{database}_secure`); the profile table is in database `system`, once per connection.
 * `system` defaults to `steward_<connection>`.
 */
export interface SecureLocations {
  /** Segments of the view of a base relation. */
  viewOf(base: readonly string[]): string[];
  /** Segments of the container of the profile table a base relation's view reads. */
  systemOf(base: readonly string[]): string[];
  /** Every system container the connection could hold, given its databases. */
  systemsOf(databases: readonly string[]): string[][];
  /**
   * The containers (schemas `[db, s]` or databases `[db]`, keyed by `segmentsKey`) Steward keeps
   * its own objects in, given those the catalog holds: the view container of each, and the
   * system one. Relations there are never governed as base tables.
   */
  stewardContainers(known: readonly (readonly string[])[]): Set<string>;
}

export function secureLocations(connection: string, options: Pick<ConnectionOptions, 'views'>, hierarchy: Hierarchy): SecureLocations {
  const views = options.views ?? {};
  const system = views.system ?? `steward_${connection}`;
  if (hierarchy.includes('schema')) {
    const template = views.schema ?? '{schema}_secure';
    if (!template.includes('{schema}') || template === '{schema}') {
      throw badTemplate(connection, 'schema', template, '{schema}');
    }
    const expand = (db: string, schema: string): string => template.replaceAll('{database}', db).replaceAll('{schema}', schema);
    return {
      viewOf: (base) => [base[0]!, expand(base[0]!, base[1]!), base[2]!],
      systemOf: (base) => [base[0]!, system],
      systemsOf: (databases) => databases.map((db) => [db, system]),
      stewardContainers: (known) => {
        const out = new Set<string>();
        for (const c of known) {
          if (c.length !== 2) continue;
          out.add(segmentsKey([c[0]!, system]));
          out.add(segmentsKey([c[0]!, expand(c[0]!, c[1]!)]));
        }
        return out;
      },
    };
  }
  const template = views.database ?? '{database}_secure';
  if (!template.includes('{database}') || template === '{database}') {
    throw badTemplate(connection, 'database', template, '{database}');
  }
  const expand = (db: string): string => template.replaceAll('{database}', db);
  return {
    viewOf: (base) => [expand(base[0]!), base[1]!],
    systemOf: () => [system],
    systemsOf: () => [[system]],
    stewardContainers: (known) => {
      const out = new Set<string>([segmentsKey([system])]);
      for (const c of known) if (c.length === 1) out.add(segmentsKey([expand(c[0]!)]));
      return out;
    },
  };
}

function badTemplate(connection: string, key: string, template: string, placeholder: string): StewardError {
  return new StewardError('invalid_input', `connections.${connection}.views.${key}: "${template}" must contain ${placeholder} and something else`, {
    hint: `e.g. "${placeholder}_secure": each ${key} needs a view ${key} of its own`,
    details: { field: `connections.${connection}.views.${key}` },
  });
}
