/**
 * Read steward.yaml: parse YAML, refuse an empty file, substitute `${VAR}` from the
 * environment, refuse text no store can keep (NUL, broken Unicode), validate against the JSON
 * Schema, then check what a schema cannot (`check-file.ts`). Every error names the file, line
 * and field, with a hint. Checks that need the store (references, principals per platform)
 * come after, in `validate-config.ts`; the parsed object remembers its lines for them.
 */
import { readFileSync, statSync } from 'node:fs';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import { StewardError } from '../domain/errors.js';
import { showName } from '../domain/principal-name.js';
import { checkFile } from './check-file.js';
import { configError, errorOf, fieldName, type FieldPath } from './issues.js';
import type { ConfigFile } from './schema.js';
import { schemaIssue } from './schema-errors.js';
import { attachSource, type ConfigSource } from './source.js';
import { badText } from './text-check.js';
import { validateConfigFile as validate } from './validators.js';

/** Larger files are refused before they are read (a 50,000-user file is about 6 MB). */
export const MAX_CONFIG_BYTES = 32 * 1024 * 1024;

export interface ParseOptions {
  /** Accept an empty or comment-only file (it then removes everything a file declared). */
  readonly allowEmpty?: boolean;
}

/** What an empty file means when it is allowed: every section present and empty. */
const EXPLICITLY_EMPTY: ConfigFile = { groups: [], users: {}, tags: {}, policies: [] };

/**
 * The node a field's line is taken from: for a mapping entry its key (a block value starts on
 * the next line), for a list item the item; the nearest existing parent when the path goes
 * further than the document.
 */
function nodeAt(doc: Document, path: FieldPath): Node | null {
  let node: unknown = doc.contents;
  let last: unknown = node;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (pair === undefined) break;
      node = pair.value;
      last = pair.key;
    } else if (isSeq(node)) {
      node = node.items[Number(key)];
      if (node == null) break;
      last = node;
    } else break;
  }
  return (last as Node | null) ?? null;
}

function sourceFor(doc: Document, lc: LineCounter, file: string): ConfigSource {
  return {
    file,
    lineOf(path) {
      const offset = nodeAt(doc, path)?.range?.[0];
      return offset === undefined ? null : lc.linePos(offset).line;
    },
  };
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Walk every scalar (keys too): refuse text the store cannot keep exactly (NUL, lone
 * surrogates); in connection settings, refuse a malformed `${…}` and replace `${VAR}` from the
 * environment. Only there: names of users, groups, tags and policies are taken as written, so a
 * group called "${HOME}" stays that, and is never filled from whoever runs steward. The
 * substituted value is not scanned again, so a password holding `${` stays as it is.
 */
function checkTextAndSubstitute(doc: Document, lc: LineCounter, source: ConfigSource, env: NodeJS.ProcessEnv): void {
  const fail = (path: FieldPath, problem: string, hint: string): never => {
    throw configError(source.file, source.lineOf(path), fieldName(path), problem, hint);
  };
  const checkText = (text: string, path: FieldPath): void => {
    const bad = badText(text);
    if (bad) fail(path, `${showName(text)} ${bad.problem}`, bad.hint);
  };
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      // Duplicate keys are found here, in one pass: the parser's own check (uniqueKeys)
      // compares each key with every earlier one, which took 40 s on a 50,000-user file.
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        if (seen.has(key)) {
          // The line of this (second) occurrence, not of the first that lineOf would find.
          const offset = (pair.key as Node | null)?.range?.[0];
          const line = offset === undefined ? null : lc.linePos(offset).line;
          throw configError(source.file, line, fieldName([...path, key]), `duplicate key ${showName(key)}`, 'each key may appear once in a mapping; merge the two entries');
        }
        seen.add(key);
        checkText(key, [...path, key]);
        visit(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, [...path, i]));
    } else if (isScalar(node) && typeof node.value === 'string') {
      const text = node.value;
      checkText(text, path);
      if (path[0] !== 'connections' || path.length < 3 || !text.includes('${')) return;
      const rest = text.replace(ENV_REF, '');
      if (rest.includes('${')) fail(path, 'has a malformed ${…} reference', 'write ${NAME} with a name of letters, digits and "_", not starting with a digit');
      node.value = text.replace(ENV_REF, (_m, name: string) => {
        const v = env[name];
        if (v === undefined) fail(path, `environment variable ${name} is not set`, `export ${name}=… before running steward`);
        return v!;
      });
    }
  };
  visit(doc.contents, []);
}

/** The line of the first alias (`*name`): where an alias expansion went too far. */
function firstAliasLine(doc: Document, lc: LineCounter): number | null {
  let line: number | null = null;
  visit(doc, {
    Alias(_key, node) {
      line = node.range ? lc.linePos(node.range[0]).line : null;
      return visit.BREAK;
    },
  });
  return line;
}

/** Parse and validate configuration text. `file` is only used in messages. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env, opts: ParseOptions = {}): ConfigFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  const source = sourceFor(doc, lc, file);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw configError(file, lc.linePos(e.pos[0]).line, 'yaml', e.message.split('\n')[0]!, 'fix the YAML syntax');
  }
  const c = doc.contents;
  const empty = c === null || (isMap(c) && c.items.length === 0) || (isScalar(c) && c.value === null);
  if (empty) {
    if (opts.allowEmpty === true) return attachSource({ ...EXPLICITLY_EMPTY }, source);
    throw configError(file, 1, '(top level)', 'the configuration is empty', 'applying an empty file would remove every user, group, tag and policy a file declared; pass --allow-empty if that is what you want');
  }
  checkTextAndSubstitute(doc, lc, source, env);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw configError(file, firstAliasLine(doc, lc), 'yaml', (err as Error).message.split('\n')[0]!, 'YAML aliases may expand to at most 100 nodes; write the repeated parts out');
  }
  if (!validate(data)) throw errorOf([schemaIssue(validate.errors ?? [], data, source)]);
  const issues = checkFile(data, source);
  if (issues.length > 0) throw errorOf(issues);
  return attachSource(data, source);
}

/** The line holding the first byte that is not UTF-8: where lenient and exact decoding part. */
function lineOfFirstBadByte(bytes: Buffer): number {
  const lenient = Buffer.from(new TextDecoder('utf-8').decode(bytes), 'utf8');
  let i = 0;
  while (i < bytes.length && bytes[i] === lenient[i]) i++;
  let line = 1;
  for (let j = 0; j < i; j++) if (bytes[j] === 0x0a) line++;
  return line;
}

/** Read and parse a configuration file from disk. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env, opts: ParseOptions = {}): ConfigFile {
  let bytes: Buffer;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    if (stat.size > MAX_CONFIG_BYTES) {
      throw configError(file, null, '(file)', `is ${(stat.size / 1024 / 1024).toFixed(1)} MB; the limit is ${MAX_CONFIG_BYTES / 1024 / 1024} MB`, 'split identities out (SCIM or the API) or check that this is the right file');
    }
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof StewardError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new StewardError('invalid_input', `-f ${file}: cannot read the file (${code ?? 'error'})`, { hint: 'pass the path of your steward.yaml with -f' });
  }
  let text: string;
  try {
    // Fatal: a byte that is not UTF-8 must not become U+FFFD in a stored name.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw configError(file, lineOfFirstBadByte(bytes), '(file)', 'is not valid UTF-8', 'save the file as UTF-8');
  }
  return parseConfig(text, file, env, opts);
}
