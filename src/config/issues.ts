/**
 * Problems found in a configuration: each names the file, the line (when the text is known),
 * the field as a dotted path, and says what is wrong. Errors stop a configuration before
 * anything is stored; warnings are returned as data, printed by `plan` and `apply`, and
 * recorded in the audit log.
 */
import { StewardError } from '../domain/errors.js';
import { showName } from '../domain/principal-name.js';

export interface ConfigIssue {
  readonly file: string;
  readonly line: number | null;
  /** Dotted path of the field: `policies[2].to.groups[0]`. */
  readonly field: string;
  readonly message: string;
  readonly hint?: string;
  /** The connection the issue is about, when it is about one (plans show only theirs). */
  readonly connection?: string;
}

/** A warning as `plan`, `apply` and the API return it. */
export type ConfigWarning = ConfigIssue;

export type FieldPath = readonly (string | number)[];

/** `policies[0].to.groups[1]`: numbers (and digit strings) as indexes, the rest dotted. */
export function fieldName(path: FieldPath): string {
  if (path.length === 0) return '(top level)';
  // Keys that are not plain words (user names, tag paths, hostile text) are quoted as JSON.
  const part = (p: string | number): string => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(p) ? `.${p}` : `[${showName(p)}]`);
  return path.map(part).join('').replace(/^\./, '');
}

/** One line of text: `steward.yaml:12: policies[0].to.groups[0]: unknown group "anlysts"`. */
export function issueText(i: Pick<ConfigIssue, 'file' | 'line' | 'field' | 'message'>): string {
  // Input from the API or a CLI command has no file: the field alone locates it.
  const where = i.file === '' ? '' : `${i.line === null ? i.file : `${i.file}:${i.line}`}: `;
  return `${where}${i.field}: ${i.message}`;
}

/** The error for one problem of a configuration. */
export function configError(file: string, line: number | null, field: string, problem: string, hint?: string): StewardError {
  return errorOf([{ file, line, field, message: problem, ...(hint === undefined ? {} : { hint }) }]);
}

/** Most problems listed in an error's details; the message names the first. */
const MAX_LISTED = 50;

/**
 * One StewardError for every error found: the message is the first, `details.errors` lists
 * them all (up to 50) so a user fixes a file in one round instead of one error per run.
 */
export function errorOf(issues: readonly ConfigIssue[]): StewardError {
  const first = issues[0]!;
  const more = issues.length - 1;
  const hint = [first.hint, more > 0 ? `${more} more error${more > 1 ? 's' : ''} in this configuration (see details with --json)` : undefined].filter(Boolean).join('; ');
  return new StewardError('invalid_input', issueText(first), {
    ...(hint === '' ? {} : { hint }),
    details: { file: first.file, line: first.line, field: first.field, ...(more > 0 ? { errors: issues.slice(0, MAX_LISTED).map(plain) } : {}) },
  });
}

function plain(i: ConfigIssue): ConfigIssue {
  return { file: i.file, line: i.line, field: i.field, message: i.message, ...(i.hint === undefined ? {} : { hint: i.hint }) };
}

/** The closest candidate within a few edits (case ignored; one edit per three characters, at most two). */
export function closest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(1, Math.min(2, Math.floor(name.length / 3))) + 1;
  const a = name.toLowerCase();
  for (const c of candidates) {
    const d = distance(a, c.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be below `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_v, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin >= limit) return limit;
    prev = cur;
  }
  return prev[b.length]!;
}

/** "did you mean "x"? known: a, b, c" — for hints about an unknown name. */
export function suggest(name: string, known: readonly string[], what: string): string {
  const near = closest(name, known);
  if (near !== null && near !== name) return `did you mean ${JSON.stringify(near)}?`;
  if (known.length === 0) return `no ${what} is defined yet`;
  const shown = known.slice(0, 8).map((k) => JSON.stringify(k)).join(', ');
  return `known ${what}s: ${shown}${known.length > 8 ? `, … (${known.length} in all)` : ''}`;
}

/**
 * The path a `fieldName` names, or null when it cannot be read back (a key shortened for
 * display, or text that no `fieldName` makes). `parseFieldName(fieldName(p))` is `p`.
 */
export function parseFieldName(name: string): FieldPath | null {
  if (name === '(top level)') return [];
  const path: (string | number)[] = [];
  let i = 0;
  while (i < name.length) {
    if (name[i] === '[') {
      const close = name[i + 1] === '"' ? closingQuote(name, i + 1) : name.indexOf(']', i);
      if (close < 0) return null;
      if (name[i + 1] === '"') {
        if (name[close + 1] !== ']') return null;
        try {
          path.push(JSON.parse(name.slice(i + 1, close + 1)) as string);
        } catch {
          return null;
        }
        i = close + 2;
      } else {
        const digits = name.slice(i + 1, close);
        if (!/^\d+$/.test(digits)) return null;
        path.push(Number(digits));
        i = close + 1;
      }
      continue;
    }
    if (path.length > 0) {
      if (name[i] !== '.') return null;
      i++;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(name.slice(i))?.[0];
    if (word === undefined) return null;
    path.push(word);
    i += word.length;
  }
  return path;
}

/** Index of the quote ending the JSON string that starts at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}
