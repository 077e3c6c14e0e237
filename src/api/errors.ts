/**
 * The API's one error mapper: every failure leaves as `{ error: { code, message, hint?, details? } }`
 * with the status derived from the code (`httpStatusOf`), never from message text.
 */
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { StewardError, httpStatusOf, redactSecrets } from '../domain/errors.js';
import { redactDeep } from '../domain/redact-deep.js';
import { loggableUrl } from './logging.js';
import type { ErrorBody } from './schemas.js';

export const OPENAPI_PATH = '/api/v1/openapi.json';

/**
 * The wire shape of a StewardError; messages are redacted once more on their way out. The
 * request id ties the answer to the server's log line (for a 5xx, where the details are).
 */
export function errorBody(e: StewardError, requestId?: string): ErrorBody {
  return {
    error: {
      code: e.code,
      message: redactSecrets(e.message),
      ...(e.hint !== undefined ? { hint: redactSecrets(e.hint) } : {}),
      ...(e.details !== undefined ? { details: redactDeep(e.details) } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
    },
  };
}

/** `/options/protect/0` + `name` → `options.protect[0].name`, the way config errors name fields. */
function fieldName(segments: readonly string[]): string {
  return segments
    .map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`))
    .join('')
    .replace(/^\./, '');
}

/** A schema validation failure as `invalid_input` naming the field (ajv stops at the first error). */
export function validationError(context: string | undefined, errors: readonly FastifySchemaValidationError[]): StewardError {
  const e = errors[0];
  const where = context ?? 'request';
  if (!e) return new StewardError('invalid_input', `${where}: is invalid`, { hint: `see ${OPENAPI_PATH}` });
  const segments = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = e.params;
  let problem = e.message ?? 'is invalid';
  if (e.keyword === 'required' && typeof params.missingProperty === 'string') {
    segments.push(params.missingProperty);
    problem = 'is required';
  } else if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    segments.push(params.additionalProperty);
    problem = 'is not a known field';
  } else if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    problem = `must be one of ${params.allowedValues.map(String).join(', ')}`;
  }
  const field = segments.length > 0 ? fieldName(segments) : where;
  return new StewardError('invalid_input', `${field}: ${problem}`, {
    hint: `see ${OPENAPI_PATH} for the shape of this request`,
    details: { field, in: where },
  });
}

/** Errors fastify raises itself before a handler runs (bad JSON, wrong content type, too large). */
function frameworkError(err: FastifyError, status: number): { status: number; error: StewardError } {
  if (status === 404) return { status, error: new StewardError('not_found', redactSecrets(err.message)) };
  // A JSON parse error quotes the body it choked on, which may hold a connection URL.
  const message =
    err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError ? 'body: is not valid JSON' : `request: ${redactSecrets(err.message)}`;
  return { status, error: new StewardError('invalid_input', message, { hint: 'send a JSON body with Content-Type: application/json' }) };
}

function isFastifyError(err: unknown): err is FastifyError {
  return err instanceof Error && typeof (err as { statusCode?: unknown }).statusCode === 'number';
}

/** Log an unexpected error at once, without secrets (free text redacted, the error object never logged raw). */
function logUnexpected(request: FastifyRequest, err: unknown): void {
  request.log.error({ err, method: request.method, url: loggableUrl(request.url) }, 'unexpected error');
}

/** fastify `setErrorHandler`: StewardError, validation errors, framework errors, then anything else as 500. */
export async function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  let status: number;
  let error: StewardError;
  if (err instanceof StewardError) {
    status = httpStatusOf(err.code);
    error = err;
    // 502 (a database unreachable), 500 (a broken store): the answer names the request, the log says why.
    if (status >= 500) request.log.error({ err, method: request.method, url: loggableUrl(request.url) }, 'request failed');
  } else if (isFastifyError(err) && err.validation) {
    status = 400;
    error = validationError(err.validationContext, err.validation);
  } else if (isFastifyError(err) && err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    ({ status, error } = frameworkError(err, err.statusCode));
  } else {
    logUnexpected(request, err);
    status = 500;
    error = new StewardError('internal', 'internal error', { hint: 'the server log has the details; please report it if it persists' });
  }
  if (error.code === 'unauthorized') void reply.header('www-authenticate', 'Bearer');
  return reply.code(status).send(errorBody(error, request.id));
}

/** fastify `setNotFoundHandler`: unknown routes answer in the same error shape. */
export async function notFoundHandler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const path = request.url.split('?')[0] ?? request.url;
  const e = new StewardError('not_found', `no route ${request.method} ${redactSecrets(path)}`, { hint: `the routes are listed in ${OPENAPI_PATH}` });
  return reply.code(404).send(errorBody(e, request.id));
}
