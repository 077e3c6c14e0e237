/**
 * Read steward.yaml: parse YAML, substitute `${VAR}` from the environment, validate against the
 * JSON Schema, and check what a schema cannot (duplicate policy names, unknown connections,
 * globs). Every error names the file, line and field, with a hint.
 */
import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { StewardError } from '../domain/errors.js';
import { compileGlob } from '../domain/glob.js';
import type { ConfigFile } from './schema.js';
import { validateConfigFile as validate } from './validators.js';

function configError(file: string, line: number | null, field: string, problem: string, hint?: string): StewardError {
  const where = line === null ? file : `${file}:${line}`;
  return new StewardError('invalid_input', `${where}: ${field}: ${problem}`, hint === undefined ? { details: { file, line, field } } : { hint, details: { file, line, field } });
}

function nodeAt(doc: Document, path: readonly (string | number)[]): Node | null {
  let node: unknown = doc.contents;
  let last: unknown = node;
  for (const key of path) {
    if (isMap(node)) node = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key))?.value;
    else if (isSeq(node)) node = node.items[Number(key)];
    else break;
    if (node == null) break;
    last = node;
  }
  return (last as Node | null) ?? null;
}

function lineOf(doc: Document, lc: LineCounter, path: readonly (string | number)[]): number | null {
  const node = nodeAt(doc, path);
  const offset = node?.range?.[0];
  return offset === undefined ? null : lc.linePos(offset).line;
}

function pointerToPath(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function fieldName(path: readonly (string | number)[]): string {
  return path.length === 0 ? '(top level)' : path.map((p) => (typeof p === 'number' || /^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
}

function describe(e: ErrorObject): { problem: string; hint?: string; extra?: string } {
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      return { problem: `unknown field "${prop}"`, hint: 'check the spelling; `steward schema` prints every allowed field', extra: prop };
    }
    case 'required':
      return { problem: `missing required field "${(e.params as { missingProperty: string }).missingProperty}"` };
    case 'const':
      return { problem: `must be "${String((e.params as { allowedValue: unknown }).allowedValue)}"` };
    case 'enum':
      return { problem: `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}` };
    default:
      return { problem: e.message ?? 'is invalid' };
  }
}

/** Replace `${VAR}` in every string scalar; a missing variable is an error at its line. */
function substituteEnv(doc: Document, lc: LineCounter, file: string, env: NodeJS.ProcessEnv): void {
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) visit(pair.value, [...path, isScalar(pair.key) ? String(pair.key.value) : '?']);
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, [...path, i]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
      node.value = node.value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
        const v = env[name];
        if (v === undefined) {
          const line = node.range ? lc.linePos(node.range[0]).line : null;
          throw configError(file, line, fieldName(path), `environment variable ${name} is not set`, `export ${name}=… before running steward`);
        }
        return v;
      });
    }
  };
  visit(doc.contents, []);
}

/** Parse and validate configuration text. `file` is only used in messages. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): ConfigFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lc.linePos(e.pos[0]).line;
    throw configError(file, line, 'yaml', e.message.split('\n')[0]!, 'fix the YAML syntax');
  }
  substituteEnv(doc, lc, file, env);
  const data: unknown = doc.toJS() ?? {};
  if (!validate(data)) {
    // Prefer the deepest error: it names the field the user actually got wrong.
    const rank = (e: ErrorObject): number => e.instancePath.split('/').length * 10 + (e.keyword === 'additionalProperties' ? 1 : 0);
    const errors = [...(validate.errors ?? [])].sort((a, b) => rank(b) - rank(a));
    const e = errors[0]!;
    const path = pointerToPath(e.instancePath);
    const d = describe(e);
    const at = d.extra !== undefined ? [...path, d.extra] : path;
    throw configError(file, lineOf(doc, lc, at), fieldName(at), d.problem, d.hint);
  }
  checkSemantics(data, doc, lc, file);
  return data;
}

function checkSemantics(cfg: ConfigFile, doc: Document, lc: LineCounter, file: string): void {
  const seen = new Set<string>();
  (cfg.policies ?? []).forEach((p, i) => {
    if (seen.has(p.name)) throw configError(file, lineOf(doc, lc, ['policies', i, 'name']), `policies[${i}].name`, `duplicate policy name "${p.name}"`, 'policy names must be unique');
    seen.add(p.name);
    (p.on.paths ?? []).forEach((g, j) => checkGlob(g, ['policies', i, 'on', 'paths', j]));
  });
  for (const [name, c] of Object.entries(cfg.connections ?? {})) {
    (c.protect ?? []).forEach((g, j) => {
      checkGlob(g, ['connections', name, 'protect', j]);
      if (g.split('/')[0] !== name) {
        throw configError(file, lineOf(doc, lc, ['connections', name, 'protect', j]), `connections.${name}.protect[${j}]`, `"${g}" does not start with the connection name`, `write it as ${name}/…`);
      }
    });
  }
  function checkGlob(g: string, path: (string | number)[]): void {
    try {
      compileGlob(g);
    } catch (err) {
      throw configError(file, lineOf(doc, lc, path), fieldName(path), (err as Error).message, 'escape "/", "*" and "\\" inside names with a backslash');
    }
  }
}

/** Read and parse a configuration file from disk. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StewardError('invalid_input', `-f ${file}: cannot read the file (${code ?? 'error'})`, { hint: 'pass the path of your steward.yaml with -f' });
  }
  return parseConfig(text, file, env);
}
