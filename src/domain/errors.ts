/**
 * Typed errors. Every failure a user can cause or meet carries a stable `code`, a one-line
 * message, and a hint. The HTTP status and the CLI exit code are derived from the code in one
 * place (`httpStatusOf`, `exitCodeOf`), never from message text.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'connection_failed'
  | 'platform_error'
  | 'unsafe_plan'
  | 'locked'
  | 'unsupported'
  | 'internal';

export class StewardError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'StewardError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }
}

export const invalidInput = (field: string, problem: string, hint?: string): StewardError =>
  new StewardError('invalid_input', `${field}: ${problem}`, hint === undefined ? { details: { field } } : { hint, details: { field } });

export const notFound = (what: string, name: string, hint?: string): StewardError =>
  new StewardError('not_found', `${what} "${name}" does not exist`, hint === undefined ? {} : { hint });

const HTTP: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unsafe_plan: 409,
  locked: 423,
  unsupported: 422,
  connection_failed: 502,
  platform_error: 502,
  internal: 500,
};

export function httpStatusOf(code: ErrorCode): number {
  return HTTP[code];
}

/** CLI exit codes: 1 for every error (2 is reserved for `plan --exit-code` "changes present"). */
export function exitCodeOf(_code: ErrorCode): number {
  return 1;
}

/** Wrap anything thrown into a StewardError without leaking its message if it may hold secrets. */
export function toStewardError(err: unknown): StewardError {
  if (err instanceof StewardError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StewardError('internal', redactSecrets(message), { cause: err });
}

/** A word or mark each pattern of `redactSecrets` starts from (a superset, case-insensitive). */
const MAY_HOLD_SECRET = /:\/\/|pass|pwd|secret|token|stw_|bearer|identified/i;

/**
 * Remove anything that looks like a credential from free text: passwords in URLs
 * (`scheme://user:secret@host`), `password=...` pairs, Steward's bearer tokens (`stw_…`). Applied to every message that leaves
 * the process (logs, API errors, CLI output).
 */
export function redactSecrets(text: string): string {
  // One scan for what every pattern below needs; most text (plans' SQL, summaries) has none.
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text
    // Up to the last "@" of the URL: a password written without percent-encoding may hold "/", "#" or "@".
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^\s"'<>]*)@/gi, '$1:***@')
    .replace(/(password|passwd|pwd|secret)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,]+)/gi, '$1$2***')
    // `token=…` in query strings; not `token:<name>`, which is how audit actors name a token.
    .replace(/(token)(\s*=\s*)("[^"]*"|'[^']*'|[^\s&;,]+)/gi, '$1$2***')
    // Steward's own bearer tokens, and any bearer credential, wherever they turn up.
    .replace(/\bstw_[A-Za-z0-9_-]{8,}/g, 'stw_***')
    .replace(/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, '$1***')
    .replace(/(IDENTIFIED(?:\s+WITH\s+\S+)?\s+(?:BY|AS)\s+|PASSWORD\s+)('(?:[^'\\]|\\.|'')*')/gi, "$1'***'");
}
