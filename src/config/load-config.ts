/**
 * Read steward.yaml: parse YAML, refuse an empty file, substitute `${VAR}` from the
 * environment, refuse text no store can keep (NUL, broken Unicode), validate against the JSON
 * Schema, then check what a schema cannot (`check-file.ts`). Every error names the file, line
 * and field, with a hint. Checks that need the store (references, principals per platform)
 * come after, in `validate-config.ts`; the parsed object remembers its lines for them.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import jsyaml from 'js-yaml';
import type { Document, LineCounter, Node, Pair, YAMLMap } from 'yaml';
import { StewardError } from '../domain/errors.js';
import { showName } from '../domain/principal-name.js';
import { checkFile } from './check-file.js';
import { configError, errorOf, fieldName, type FieldPath } from './issues.js';
import type { ConfigFile } from './schema.js';
import { schemaIssue } from './schema-errors.js';
import { attachSource, type ConfigSource } from './source.js';
import { badText } from './text-check.js';
import { validateConfigFile as validate } from './validators.js';

/**
 * The `yaml` package, loaded on first use: valid files are read by js-yaml (`parseFast`), and
 * `yaml`'s document (exact lines, every error) is needed only for errors, warnings' lines and
 * what the fast reading cannot match. Loading it cost ≈80 ms of every `apply -f`.
 */
const requireHere = createRequire(import.meta.url);
let yamlModule: typeof import('yaml') | null = null;
const Y = (): typeof import('yaml') => (yamlModule ??= requireHere('yaml') as typeof import('yaml'));

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
const keyIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

/** The first pair of `map` with key `key`; an index per map, so that many look-ups stay linear. */
function pairOf(map: YAMLMap, key: string): Pair | undefined {
  let index = keyIndex.get(map);
  if (index === undefined) {
    index = new Map();
    for (const p of map.items) {
      if (!Y().isScalar(p.key)) continue;
      const k = String(p.key.value);
      if (!index.has(k)) index.set(k, p);
    }
    keyIndex.set(map, index);
  }
  return index.get(key);
}

function nodeAt(doc: Document, path: FieldPath): Node | null {
  let node: unknown = doc.contents;
  let last: unknown = node;
  for (const key of path) {
    if (Y().isMap(node)) {
      const pair = pairOf(node, String(key));
      if (pair === undefined) break;
      node = pair.value;
      last = pair.key;
    } else if (Y().isSeq(node)) {
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
    if (Y().isMap(node)) {
      // Duplicate keys are found here, in one pass: the parser's own check (uniqueKeys)
      // compares each key with every earlier one, which took 40 s on a 50,000-user file.
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = Y().isScalar(pair.key) ? String(pair.key.value) : '?';
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
    } else if (Y().isSeq(node)) {
      node.items.forEach((item, i) => visit(item, [...path, i]));
    } else if (Y().isScalar(node) && typeof node.value === 'string') {
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
  Y().visit(doc, {
    Alias(_key, node) {
      line = node.range ? lc.linePos(node.range[0]).line : null;
      return Y().visit.BREAK;
    },
  });
  return line;
}

/**
 * The YAML 1.2 core schema exactly as the `yaml` package resolves plain scalars (null, booleans,
 * integers in decimal, 0o octal and 0x hex, floats, .inf and .nan), for js-yaml. Quoted scalars
 * stay strings in both.
 */
const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_RES: readonly [RegExp, number, number][] = [
  [/^[-+]?[0-9]+$/, 0, 10],
  [/^0o[0-7]+$/, 2, 8],
  [/^0x[0-9a-fA-F]+$/, 2, 16],
];
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const FLOAT_NAN_RE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const CORE_SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    new jsyaml.Type('tag:yaml.org,2002:null', { kind: 'scalar', resolve: (d: string | null) => d === null || NULL_RE.test(d), construct: () => null }),
    new jsyaml.Type('tag:yaml.org,2002:bool', { kind: 'scalar', resolve: (d: string | null) => d !== null && BOOL_RE.test(d), construct: (d: string) => d[0] === 't' || d[0] === 'T' }),
    new jsyaml.Type('tag:yaml.org,2002:int', {
      kind: 'scalar',
      resolve: (d: string | null) => d !== null && INT_RES.some(([re]) => re.test(d)),
      construct: (d: string) => {
        const [, offset, radix] = INT_RES.find(([re]) => re.test(d))!;
        return parseInt(d.substring(offset), radix);
      },
    }),
    new jsyaml.Type('tag:yaml.org,2002:float', {
      kind: 'scalar',
      resolve: (d: string | null) => d !== null && (FLOAT_RE.test(d) || FLOAT_NAN_RE.test(d)),
      construct: (d: string) => (FLOAT_NAN_RE.test(d) ? (d.slice(-3).toLowerCase() === 'nan' ? NaN : d[0] === '-' ? -Infinity : Infinity) : parseFloat(d)),
    }),
  ],
});

/** Text that may hold an anchor (`&name`) or an explicit key (`? `): left to the exact parser. */
const ANCHOR_OR_COMPLEX_KEY = /(?:^|[\s,[{])(?:&\S|\?(?:\s|$))/m;

/** A key the `yaml` package would not keep as the same string (a resolved null, bool or number, a collection). */
function oddKey(k: string): boolean {
  return NULL_RE.test(k) || BOOL_RE.test(k) || INT_RES.some(([re]) => re.test(k)) || FLOAT_RE.test(k) || FLOAT_NAN_RE.test(k) || k === '__proto__' || k.includes(',') || k.includes('[object');
}

/**
 * The fast reading of a file (js-yaml, about 5× faster than building the `yaml` package's
 * document, which took 11 s for a 6 MB file): the same checks and `${VAR}` substitution as
 * `checkTextAndSubstitute`, over plain data. It gives up (null) on anything it cannot match
 * exactly — a syntax error, a duplicate key, anchors, odd keys, bad text, a bad or unset
 * `${…}` — and the exact path then reads the file again and says what is wrong, with its line.
 */
export function parseFast(text: string, env: NodeJS.ProcessEnv): Record<string, unknown> | null {
  if (ANCHOR_OR_COMPLEX_KEY.test(text)) return null;
  let data: unknown;
  try {
    data = jsyaml.load(text, { schema: CORE_SCHEMA, json: false });
  } catch {
    return null;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || Object.keys(data).length === 0) return null;
  let ok = true;
  const walk = (v: unknown, inConnection: number): unknown => {
    if (!ok) return v;
    if (typeof v === 'string') {
      if (badText(v) !== null) ok = false;
      else if (inConnection >= 3 && v.includes('${')) {
        if (v.replace(ENV_REF, '').includes('${')) ok = false;
        else {
          return v.replace(ENV_REF, (m, name: string) => {
            const value = env[name];
            if (value === undefined) ok = false;
            return value ?? m;
          });
        }
      }
      return v;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i], inConnection > 0 ? inConnection + 1 : 0);
      return v;
    }
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        if (oddKey(k) || badText(k) !== null) {
          ok = false;
          return v;
        }
        o[k] = walk(o[k], inConnection > 0 ? inConnection + 1 : 0);
      }
    }
    return v;
  };
  const top = data as Record<string, unknown>;
  for (const k of Object.keys(top)) {
    if (oddKey(k) || badText(k) !== null) return null;
    top[k] = walk(top[k], k === 'connections' ? 1 : 0);
  }
  return ok ? top : null;
}

/** A node of the fast reading: where it starts, and its children (a mapping's alternate key, value). */
interface PosNode {
  readonly pos: number;
  kind: string | null;
  result: unknown;
  readonly children: PosNode[];
}

/**
 * Line numbers for a file read by `parseFast`, found the first time a line is asked for (an
 * error or a warning): js-yaml reads the text again with a listener that records where each
 * node starts (about as long as the fast reading; the `yaml` package's document took 11 s for
 * a 6 MB file). Lines follow `nodeAt`: a mapping entry's key, a list item, else the nearest
 * parent. When the recorded nodes do not line up with the data, the `yaml` document answers.
 */
export function lazySource(text: string, file: string, slow: typeof exactLines = exactLines): ConfigSource {
  let lineOf: ((path: FieldPath) => number | null) | null = null;
  const build = (): ((path: FieldPath) => number | null) => {
    const root: PosNode = { pos: 0, kind: null, result: null, children: [] };
    const stack: PosNode[] = [root];
    try {
      jsyaml.load(text, {
        schema: CORE_SCHEMA,
        listener(event, state) {
          if (event === 'open') {
            stack.push({ pos: state.position, kind: null, result: null, children: [] });
          } else {
            const n = stack.pop()!;
            n.kind = state.kind;
            n.result = state.result;
            stack[stack.length - 1]!.children.push(n);
          }
        },
      });
    } catch {
      return exactLines(text, file);
    }
    const newlines: number[] = [];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) newlines.push(i);
    const lineAt = (pos: number): number => {
      // The node's first character: past spaces, line breaks and comments before it.
      let p = pos;
      for (;;) {
        const ch = text[p];
        if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') p++;
        else if (ch === '#') {
          const eol = text.indexOf('\n', p);
          p = eol === -1 ? text.length : eol;
        } else break;
      }
      let lo = 0;
      let hi = newlines.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (newlines[mid]! < p) lo = mid + 1;
        else hi = mid;
      }
      return lo + 1;
    };
    const keys = new WeakMap<PosNode, Map<string, [PosNode, PosNode]> | null>();
    const pairsOf = (n: PosNode): Map<string, [PosNode, PosNode]> | null => {
      let m = keys.get(n);
      if (m === undefined) {
        m = new Map();
        const expected = n.result !== null && typeof n.result === 'object' ? Object.keys(n.result).length : -1;
        if (n.children.length % 2 !== 0 || n.children.length / 2 !== expected) m = null;
        else for (let i = 0; i < n.children.length; i += 2) m.set(String(n.children[i]!.result), [n.children[i]!, n.children[i + 1]!]);
        keys.set(n, m);
      }
      return m;
    };
    let exact: ((path: FieldPath) => number | null) | null = null;
    // A flow collection in block context (`- { name: a }`) is reported twice: a node for the
    // entry holding one node for the collection, both with the same result.
    const unwrap = (n: PosNode): PosNode => {
      let at = n;
      while (at.children.length === 1 && at.children[0]!.result === at.result && typeof at.result === 'object' && at.result !== null) at = at.children[0]!;
      return at;
    };
    return (path) => {
      let node: PosNode | undefined = root.children[0];
      let last: PosNode | undefined = node;
      for (const key of path) {
        if (node === undefined) break;
        node = unwrap(node);
        if (node.kind === 'mapping') {
          const pairs = pairsOf(node);
          if (pairs === null) return (exact ??= slow(text, file))(path);
          const pair = pairs.get(String(key));
          if (pair === undefined) break;
          [last, node] = pair;
        } else if (node.kind === 'sequence') {
          const item: PosNode | undefined = node.children[Number(key)];
          if (item === undefined) break;
          if (node.children.length !== (node.result as unknown[]).length) return (exact ??= slow(text, file))(path);
          node = last = item;
        } else break;
      }
      return last === undefined ? null : lineAt(last.pos);
    };
  };
  return {
    file,
    lineOf(path) {
      lineOf ??= build();
      return lineOf(path);
    },
  };
}

/** Line numbers from the `yaml` package's document (slow on large files). */
export function exactLines(text: string, file: string): (path: FieldPath) => number | null {
  const lc = new (Y().LineCounter)();
  const source = sourceFor(Y().parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false }), lc, file);
  return (path) => source.lineOf(path);
}

/** Parse and validate configuration text. `file` is only used in messages. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env, opts: ParseOptions = {}): ConfigFile {
  const fast = parseFast(text, env);
  if (fast !== null) {
    const source = lazySource(text, file);
    if (!validate(fast)) throw errorOf([schemaIssue(validate.errors ?? [], fast, source)]);
    const issues = checkFile(fast, source);
    if (issues.length > 0) throw errorOf(issues);
    return attachSource(fast, source);
  }
  return parseExact(text, file, env, opts);
}

/** The `yaml` package's document: every error with its line. */
export function parseExact(text: string, file: string, env: NodeJS.ProcessEnv, opts: ParseOptions): ConfigFile {
  const lc = new (Y().LineCounter)();
  const doc = Y().parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  const source = sourceFor(doc, lc, file);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw configError(file, lc.linePos(e.pos[0]).line, 'yaml', e.message.split('\n')[0]!, 'fix the YAML syntax');
  }
  const c = doc.contents;
  const empty = c === null || (Y().isMap(c) && c.items.length === 0) || (Y().isScalar(c) && c.value === null);
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
