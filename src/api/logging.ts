/**
 * The server's log: Fastify's logger (pino), JSON, one line per request plus one per unexpected
 * error, both carrying the request id that the error answer shows. Secrets never reach it:
 * headers and bodies are not logged at all, URLs and messages go through `redactSecrets`, and
 * every logged object through `redactDeep` on its way out.
 */
import { randomUUID } from 'node:crypto';
import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { redactSecrets } from '../domain/errors.js';
import { redactDeep } from '../domain/redact-deep.js';

/** Where log lines go: stdout by default; tests pass a stream to read them. */
export interface LogOptions {
  readonly stream?: { write(line: string): void };
  readonly level?: string;
}

/** An error as it may be logged: type, code, redacted message and stack; nothing else of it. */
export function loggableError(err: unknown): { type: string; code?: string; message: string; stack: string } {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  return { type: e.name, ...(typeof code === 'string' ? { code } : {}), message: redactSecrets(e.message), stack: redactSecrets(e.stack ?? '') };
}

/** A request URL as logged: percent-decoded first, so that an encoded password is redacted too. */
export function loggableUrl(url: string): string {
  let text = url;
  try {
    text = decodeURIComponent(url);
  } catch {
    // Malformed escapes: redact what is there.
  }
  return redactSecrets(text);
}

/**
 * Fastify's two lines per request (incoming, completed) are replaced by ours (`logRequest`);
 * its other lines (a response failing after its headers went out, a failing serializer) stay.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(): void {}
}

/** Fastify's server options for logging and request ids. */
export function loggingOptions(log: LogOptions | false): Pick<FastifyServerOptions, 'logger' | 'logController' | 'genReqId' | 'requestIdHeader'> {
  return {
    logController: new OneLinePerRequest({ requestIdLogLabel: 'reqId' }),
    // Our own ids: a client-sent id could forge or collide with another request's log lines.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    logger:
      log === false
        ? false
        : {
            level: log.level ?? 'info',
            ...(log.stream !== undefined ? { stream: log.stream } : {}),
            serializers: {
              req: (req: { method?: string; url?: string }) => ({ method: req.method, url: loggableUrl(req.url ?? '') }),
              res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
              err: loggableError,
            },
            formatters: { log: (obj: Record<string, unknown>) => redactDeep(obj) as Record<string, unknown> },
            hooks: {
              // Free-text messages, whoever logs them (fastify, a plugin, us).
              logMethod(args: unknown[], method: (...a: unknown[]) => void) {
                method.apply(this, args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)));
              },
            },
          },
  };
}

/** `onResponse`: the one line of a request. */
export async function logRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const line = {
    method: request.method,
    url: loggableUrl(request.url),
    ...(request.routeOptions.url !== undefined ? { route: request.routeOptions.url } : {}),
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime * 10) / 10,
    ...(request.actor ? { actor: request.actor } : {}),
  };
  if (reply.statusCode >= 500) request.log.error(line, 'request');
  else request.log.info(line, 'request');
}
