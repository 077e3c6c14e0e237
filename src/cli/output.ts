import { issueText, type ConfigWarning } from '../config/issues.js';
import { StewardError, exitCodeOf, redactSecrets, toStewardError } from '../domain/errors.js';

/** Where and how a command prints: human text, or one JSON document with --json. */
export interface Output {
  readonly json: boolean;
  /** Print a result: JSON as-is, or the human rendering. */
  result(value: unknown, human: () => string): void;
  info(line: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(value, human) {
      if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else {
        const text = human();
        if (text !== '') process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      }
    },
    info(line) {
      // Progress and notes go to stderr so that stdout stays clean for pipes and --json.
      process.stderr.write(`${line}\n`);
    },
  };
}

/** Print one error line (and a hint line), or a JSON error document, and return the exit code. */
export function reportError(err: unknown, json: boolean): number {
  const e = toStewardError(err);
  const message = redactSecrets(e.message);
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: { code: e.code, message, ...(e.hint ? { hint: e.hint } : {}), ...(e.details !== undefined ? { details: e.details } : {}) } }, null, 2)}\n`);
  } else {
    // Warnings about the configuration that came with the error (see the apply service).
    const warnings = (e.details as { warnings?: unknown } | undefined)?.warnings;
    if (Array.isArray(warnings)) for (const w of warnings as ConfigWarning[]) process.stderr.write(`warning: ${redactSecrets(issueText(w))}${w.hint ? ` (${w.hint})` : ''}\n`);
    process.stderr.write(`error: ${message}\n`);
    if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
    if (e.code === 'internal' && !(err instanceof StewardError) && process.env.STEWARD_DEBUG) {
      process.stderr.write(`${redactSecrets(String((err as Error).stack ?? err))}\n`);
    }
  }
  return exitCodeOf(e.code);
}

/** A plain left-aligned text table. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : typeof c === 'object' ? JSON.stringify(c) : String(c as string | number | boolean))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}
