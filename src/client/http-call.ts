/**
 * One HTTP exchange with Node's own `http`/`https` modules. The CLI talks to a server with one
 * small JSON call per command, and `fetch` (undici, loaded on its first use) adds about 0.2 s of
 * start-up to every such process: `node -e "await fetch(…)"` takes 0.32 s where the same call
 * through `node:http` takes 0.13 s. Redirects are not followed (the API never sends one; a
 * proxy that does is reported by its status).
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  /** The body, decoded as UTF-8. */
  readonly text: string;
}

export interface HttpCall {
  readonly method: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body?: string;
}

/** Send `call` to `url` (http: or https:) and read the whole answer. */
export async function httpCall(url: URL, call: HttpCall): Promise<HttpAnswer> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol} (use http: or https:)`);
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const body = call.body !== undefined ? Buffer.from(call.body, 'utf8') : undefined;
  const headers: OutgoingHttpHeaders = { ...call.headers, ...(body !== undefined ? { 'content-length': body.length } : {}) };
  return await new Promise<HttpAnswer>((resolve, reject) => {
    const req = request(url, { method: call.method, headers }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve({ status, statusText: res.statusMessage ?? '', ok: status >= 200 && status < 300, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
