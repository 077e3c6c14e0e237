/**
 * One HTTP POST of a webhook: 10 s for the whole exchange, redirects not followed, the first
 * 1 KB of the response kept for the delivery history, private targets refused on the resolved
 * address (webhook-target.ts).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkLiteralHost, guardedLookup } from './webhook-target.js';

export interface SendResult {
  /** HTTP status, or null when no response came (refused, timeout, DNS). */
  readonly status: number | null;
  readonly excerpt: string | null;
  readonly error: string | null;
  readonly ms: number;
}

const EXCERPT_BYTES = 1024;

export async function postWebhook(
  url: URL,
  headers: Record<string, string>,
  body: string,
  opts: { timeoutMs: number; allowPrivate: boolean },
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  try {
    checkLiteralHost(url, opts.allowPrivate);
  } catch (err) {
    return { status: null, excerpt: null, error: (err as Error).message, ms: elapsed() };
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const done = (r: Omit<SendResult, 'ms'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, ms: elapsed() });
    };
    const req = send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Steward-Webhooks/1', 'content-length': Buffer.byteLength(body), ...headers },
      lookup: guardedLookup(opts.allowPrivate) as unknown as LookupFunction,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < EXCERPT_BYTES) chunks.push(c.subarray(0, EXCERPT_BYTES - size));
        size += c.length;
      });
      res.on('end', () => done({ status: res.statusCode ?? null, excerpt: Buffer.concat(chunks).toString('utf8'), error: null }));
      res.on('error', (e) => done({ status: res.statusCode ?? null, excerpt: null, error: e.message }));
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${opts.timeoutMs / 1000} s`));
    }, opts.timeoutMs);
    req.on('error', (e) => done({ status: null, excerpt: null, error: e.message }));
    req.end(body);
  });
}
