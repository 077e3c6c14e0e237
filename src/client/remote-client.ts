/**
 * The client that talks to a running `steward serve` over its HTTP API: the same interface as
 * the local client, one HTTP call per method, errors turned back into the server's StewardError.
 */
import { StewardError, redactSecrets, type ErrorCode } from '../domain/errors.js';
import type { TokenInput } from '../services/token-service.js';
import type { ConnectionStatus } from '../store/status-repo.js';
import type { ApplyConfigView, PlanView, StewardClient } from './steward-client.js';
import type { ConfigApplyResult } from '../services/config-service.js';
import { issueText, parseFieldName, type ConfigIssue } from '../config/issues.js';
import type { ConfigFile } from '../config/schema.js';
import { sourceOf, type ConfigSource } from '../config/source.js';
import { httpCall, type HttpAnswer } from './http-call.js';

export interface RemoteClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8080` (a trailing `/api/v1` is accepted). */
  readonly server: string;
  readonly token: string;
}

type Query = Record<string, string | number | boolean | null | undefined>;

interface RequestSpec {
  readonly query?: Query;
  readonly body?: unknown;
}

const KNOWN_CODES: readonly ErrorCode[] = [
  'invalid_input', 'not_found', 'conflict', 'unauthorized', 'forbidden', 'connection_failed',
  'platform_error', 'unsafe_plan', 'locked', 'unsupported', 'internal',
];

/** When the body is not our error shape (a proxy's page, say), the status still says something. */
function codeOfStatus(status: number): ErrorCode {
  if (status === 400) return 'invalid_input';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 423) return 'locked';
  if (status === 502 || status === 503 || status === 504) return 'connection_failed';
  return 'internal';
}

/** Rebuild the server's StewardError from a non-2xx response. */
function errorOf(res: HttpAnswer, what: string): StewardError {
  const text = res.text;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const e = (body as { error?: { code?: unknown; message?: unknown; hint?: unknown; details?: unknown; requestId?: unknown } } | undefined)?.error;
  if (e && typeof e.message === 'string') {
    const code = KNOWN_CODES.includes(e.code as ErrorCode) ? (e.code as ErrorCode) : codeOfStatus(res.status);
    // A server-side failure is only diagnosable from the server's log: name the line to look for.
    const message = res.status >= 500 && typeof e.requestId === 'string' ? `${e.message} (request ${e.requestId})` : e.message;
    return new StewardError(code, message, {
      ...(typeof e.hint === 'string' ? { hint: e.hint } : {}),
      ...(e.details !== undefined ? { details: e.details } : {}),
    });
  }
  return new StewardError(codeOfStatus(res.status), `${what}: the server answered ${res.status} ${res.statusText}`.trim(), {
    hint: 'check that --server points at `steward serve` (not a proxy or another service)',
  });
}

/**
 * The server checks a configuration as the JSON it was sent (file `config`, lines of that JSON):
 * issues about it are pointed at the caller's own file and line instead, found by their field.
 */
function relocate<T extends ConfigIssue>(issue: T, source: ConfigSource): T {
  if (issue.file !== 'config') return issue;
  const path = parseFieldName(issue.field);
  return { ...issue, file: source.file, line: path === null ? null : source.lineOf(path) };
}

const relocateAll = <T extends ConfigIssue>(issues: readonly T[] | undefined, source: ConfigSource): T[] | undefined => issues?.map((i) => relocate(i, source));

/** Run a call about `config`, pointing the issues of its result or its error at the caller's file. */
async function aboutConfig<T>(config: ConfigFile, call: () => Promise<T>, fix: (result: T, source: ConfigSource) => T): Promise<T> {
  const source = sourceOf(config);
  try {
    return fix(await call(), source);
  } catch (err) {
    if (!(err instanceof StewardError)) throw err;
    const d = err.details as (Partial<ConfigIssue> & { errors?: ConfigIssue[]; warnings?: ConfigIssue[] }) | undefined;
    if (d === undefined) throw err;
    let message = err.message;
    let details: Record<string, unknown> = { ...d };
    if (d.file === 'config' && typeof d.field === 'string') {
      const at = relocate({ file: d.file, line: d.line ?? null, field: d.field, message: '' }, source);
      const prefix = issueText({ file: d.file, line: d.line ?? null, field: d.field, message: '' });
      if (message.startsWith(prefix)) message = issueText({ ...at, message: message.slice(prefix.length) });
      details = { ...details, file: at.file, line: at.line };
    }
    if (d.errors !== undefined) details = { ...details, errors: relocateAll(d.errors, source) };
    if (d.warnings !== undefined) details = { ...details, warnings: relocateAll(d.warnings, source) };
    throw new StewardError(err.code, message, { ...(err.hint !== undefined ? { hint: err.hint } : {}), details, cause: err });
  }
}

/** JSON dates come back as strings; the interface promises Dates for the status timestamps. */
function reviveStatus(s: ConnectionStatus): ConnectionStatus {
  const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));
  return { ...s, lastSyncAt: date(s.lastSyncAt), lastApplyAt: date(s.lastApplyAt), lastPlanAt: date(s.lastPlanAt) };
}

/** A `StewardClient` over HTTP; `close()` has nothing to release. */
export function createRemoteClient(opts: RemoteClientOptions): StewardClient {
  const base = `${opts.server.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}/api/v1`;
  // Shown in errors without any credentials the URL may carry.
  const where = redactSecrets(opts.server);

  async function call<T>(method: string, path: string, spec: RequestSpec = {}): Promise<T> {
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${opts.token}`, accept: 'application/json' };
    // Only with a body: fastify refuses an empty body declared as JSON.
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    let res: HttpAnswer;
    try {
      res = await httpCall(url, { method, headers, ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}) });
    } catch (err) {
      const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw new StewardError('connection_failed', `cannot reach the Steward server at ${where} (${redactSecrets(reason)})`, {
        hint: 'is `steward serve` running there? check --server / STEWARD_SERVER',
        cause: err,
      });
    }
    if (!res.ok) throw errorOf(res, `${method} ${path}`);
    if (res.status === 204) return undefined as T;
    try {
      return JSON.parse(res.text) as T;
    } catch {
      throw new StewardError('internal', `${method} ${path}: the server answered ${res.status} with a body that is not JSON`, {
        hint: 'check that --server points at `steward serve` (not a proxy or another service)',
      });
    }
  }

  const seg = encodeURIComponent;

  return {
    listConnections: () => call('GET', '/connections'),
    getConnection: (name) => call('GET', `/connections/${seg(name)}`),
    addConnection: (input, o) => call('POST', '/connections', { body: input, query: { verify: o?.verify } }),
    removeConnection: (name, o) => call('DELETE', `/connections/${seg(name)}`, { query: { revoke: o?.revoke, keep: o?.keep } }),
    checkConnection: (name) => call('POST', `/connections/${seg(name)}/check`),

    sync: (connection, under) => call('POST', `/connections/${seg(connection)}/sync`, { body: under === undefined ? {} : { path: under } }),
    browse: (path, o) => call('GET', '/catalog', { query: { path, limit: o?.limit, after: o?.after, removed: o?.includeRemoved } }),
    search: (text, o) => call('GET', '/catalog/search', { query: { q: text, connection: o?.connection, limit: o?.limit } }),

    plan: (config, connection) =>
      aboutConfig(
        config,
        () => call<PlanView[]>('POST', '/plan', { body: connection === undefined ? { config } : { config, connection } }),
        (plans, source) => plans.map((p) => (p.warnings === undefined ? p : { ...p, warnings: relocateAll(p.warnings, source)! })),
      ),
    storeConfig: (config) => aboutConfig(config, () => call<ConfigApplyResult>('POST', '/config', { body: { config } }), (r, source) => ({ ...r, warnings: relocateAll(r.warnings, source)! })),
    // Statement progress does not stream over HTTP: the result lists every statement at the end.
    applyConfig: (config, { onStatement: _progress, onProgress: _phases, ...o }) =>
      aboutConfig(
        config,
        () => call<ApplyConfigView>('POST', '/apply', { body: { config, ...o } }),
        (r, source) => ({ ...r, stored: { ...r.stored, warnings: relocateAll(r.stored.warnings, source)! } }),
      ),
    applyConnection: (connection, o) => call('POST', `/connections/${seg(connection)}/apply`, { body: o }),

    status: async () => (await call<ConnectionStatus[]>('GET', '/status')).map(reviveStatus),
    explain: (user, path) => call('GET', '/explain', { query: { user, path } }),
    whoCan: (path) => call('GET', '/who-can', { query: { path } }),
    audit: (filter) => call('GET', '/audit', { query: { ...filter } }),
    auditEvent: (id) => call('GET', `/audit/${seg(String(id))}`),

    listUsers: () => call('GET', '/users'),
    putUser: ({ name, ...rest }) => call('PUT', `/users/${seg(name)}`, { body: rest }),
    deleteUser: (name) => call('DELETE', `/users/${seg(name)}`),
    listGroups: () => call('GET', '/groups'),
    addGroup: (name) => call('POST', '/groups', { body: { name } }),
    deleteGroup: (name) => call('DELETE', `/groups/${seg(name)}`),
    listPolicies: () => call('GET', '/policies'),
    putPolicy: (policy) => call('PUT', `/policies/${seg(policyName(policy))}`, { body: policy }),
    deletePolicy: (name) => call('DELETE', `/policies/${seg(name)}`),
    listTags: (connection) => call('GET', '/tags', { query: { connection } }),
    tag: (path, tag) => call('POST', '/tags', { body: { path, tag } }),
    untag: (path, tag) => call('DELETE', '/tags', { query: { path, tag } }),
    listOwners: (filter) => call('GET', '/owners', { query: { user: filter?.user } }),
    addOwner: (user, path) => call('POST', '/owners', { body: { user, path } }),
    removeOwner: (user, path) => call('DELETE', '/owners', { query: { user, path } }),

    createToken: (input) => call('POST', '/tokens', { body: tokenBody(input) }),
    listTokens: () => call('GET', '/tokens'),
    revokeToken: (name) => call('DELETE', `/tokens/${seg(name)}`),

    listWebhooks: () => call('GET', '/webhooks'),
    addWebhook: (input) => call('POST', '/webhooks', { body: input }),
    removeWebhook: (id) => call('DELETE', `/webhooks/${seg(id)}`),
    rotateWebhookSecret: (id, graceMs) => call('POST', `/webhooks/${seg(id)}/rotate`, { body: graceMs === undefined ? {} : { graceMs } }),
    enableWebhook: (id) => call('POST', `/webhooks/${seg(id)}/enable`),
    webhookDeliveries: (id, limit) => call('GET', `/webhooks/${seg(id)}/deliveries`, { query: { limit } }),
    redeliverWebhook: (id, delivery) => call('POST', `/webhooks/${seg(id)}/deliveries/${seg(delivery)}/redeliver`),

    close: async () => undefined,
  };
}

/** A token request as JSON: dates as ISO text, absent fields left out. */
function tokenBody(input: TokenInput): Record<string, unknown> {
  const expiresAt = input.expiresAt instanceof Date ? input.expiresAt.toISOString() : input.expiresAt;
  return {
    name: input.name,
    role: input.role,
    ...(input.user !== undefined && input.user !== null ? { user: input.user } : {}),
    ...(expiresAt !== undefined && expiresAt !== null ? { expiresAt } : {}),
  };
}

/** `putPolicy` takes an unchecked policy; its name picks the URL, the server checks the rest. */
function policyName(policy: unknown): string {
  const name = (policy as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || name === '') throw new StewardError('invalid_input', 'policy.name: is required', { hint: 'give the policy a name' });
  return name;
}
