/**
 * What a JSON Schema cannot say about one configuration file on its own: unique policy names,
 * well-formed globs and tag paths, `protect` globs under their own connection, and names of
 * users, groups and tags Steward can store and address. Needs nothing but the file; checks
 * against the store and the catalogs are in `validate-config.ts`.
 */
import { CONNECTION_NAME_RE } from '../domain/connection.js';
import { compileGlob } from '../domain/glob.js';
import { STEWARD_NAME_HINT, stewardNameProblem } from '../domain/identity.js';
import { decodePath } from '../domain/paths.js';
import { showName } from '../domain/principal-name.js';
import { fieldName, type ConfigIssue, type FieldPath } from './issues.js';
import type { ConfigFile } from './schema.js';
import type { ConfigSource } from './source.js';
import type { DataPolicy } from '../domain/policy.js';
import { checkDataPolicy } from '../policy/compile-data-policies.js';
import { DataPolicyProblem } from '../policy/data-policy-problem.js';

/** Keys of a policy's `on` that hold path globs (any policy type). */
export const GLOB_KEYS = ['paths', 'columns'] as const;
/** Keys of a policy's `on` that hold tag names (any policy type). */
export const TAG_KEYS = ['tags', 'columnTags'] as const;

const ESCAPE_HINT = 'escape "/", "*" and "\\" inside names with a backslash';

/** Every problem of the file, in file order. */
export function checkFile(cfg: ConfigFile, source: ConfigSource): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: FieldPath, message: string, hint?: string): void => {
    issues.push({ file: source.file, line: source.lineOf(path), field: fieldName(path), message, ...(hint === undefined ? {} : { hint }) });
  };
  const name = (value: string, path: FieldPath, what: string): void => {
    const problem = stewardNameProblem(value);
    if (problem !== null) add(path, `${what} ${showName(value)} ${problem}`, STEWARD_NAME_HINT);
  };
  const glob = (g: string, path: FieldPath): void => {
    try {
      compileGlob(g);
    } catch (err) {
      add(path, (err as Error).message, ESCAPE_HINT);
    }
  };

  for (const [conn, c] of Object.entries(cfg.connections ?? {})) {
    if (!CONNECTION_NAME_RE.test(conn)) add(['connections', conn], `${JSON.stringify(conn)} is not a valid connection name`, 'use lowercase letters and digits in words joined by single "_", starting with a letter, at most 40 characters');
    (c.protect ?? []).forEach((g, j) => {
      const path = ['connections', conn, 'protect', j];
      glob(g, path);
      if (g.split('/')[0] !== conn) add(path, `${JSON.stringify(g)} does not start with the connection name`, `write it as ${conn}/…`);
    });
    // Data policies: a view container per schema (or database), never one for all.
    for (const [key, placeholder] of [['schema', '{schema}'], ['database', '{database}']] as const) {
      const template = c.views?.[key];
      if (template !== undefined && (!template.includes(placeholder) || template === placeholder)) {
        add(['connections', conn, 'views', key], `${JSON.stringify(template)} must contain ${placeholder} and something else`, `e.g. "${placeholder}_secure": each ${key} needs a view ${key} of its own`);
      }
    }
  }

  (cfg.groups ?? []).forEach((g, i) => name(g, ['groups', i], 'group'));
  for (const [user, u] of Object.entries(cfg.users ?? {})) {
    name(user, ['users', user], 'user name');
    (u?.groups ?? []).forEach((g, i) => name(g, ['users', user, 'groups', i], 'group'));
    for (const key of Object.keys(u?.attributes ?? {})) {
      if (key.trim() === '') add(['users', user, 'attributes', key], 'attribute names must not be empty or blank', 'name the attribute, e.g. region');
    }
  }

  for (const [full, list] of Object.entries(cfg.tags ?? {})) {
    const path = ['tags', full];
    try {
      if (decodePath(full).length < 2) add(path, `${JSON.stringify(full)} must name an object below a connection`, 'write connection/database/…');
    } catch (err) {
      add(path, (err as Error).message, ESCAPE_HINT);
    }
    list.forEach((t, i) => name(t, [...path, i], 'tag'));
  }

  const seen = new Map<string, number>();
  (cfg.policies ?? []).forEach((p, i) => {
    const first = seen.get(p.name);
    if (first !== undefined) add(['policies', i, 'name'], `duplicate policy name ${JSON.stringify(p.name)} (also policies[${first}])`, 'policy names must be unique');
    else seen.set(p.name, i);
    const on = p.on as unknown as Record<string, unknown>;
    for (const key of GLOB_KEYS) {
      const list = on[key];
      if (Array.isArray(list)) list.forEach((g: string, j) => glob(g, ['policies', i, 'on', key, j]));
    }
    // Data policies: mask shape and values, predicates, user references (the catalog is checked at plan time).
    if (p.type === 'mask' || p.type === 'rowFilter') {
      try {
        checkDataPolicy(p as DataPolicy);
      } catch (err) {
        if (!(err instanceof DataPolicyProblem)) throw err;
        add(['policies', i, ...err.path], err.message, err.hint);
      }
    }
  });
  return issues;
}
