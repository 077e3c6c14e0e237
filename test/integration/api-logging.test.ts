/**
 * The server's log, read from the stream pino writes to: JSON lines, one per request, secrets
 * never in it, and every 500 answered with a request id that a log line shows next to the
 * (redacted) error.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/api/server.js';
import { createServices, type Services } from '../../src/services/container.js';
import { openPglite, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';

const SECRET = `Log-S3cret-${randomBytes(6).toString('hex')}`;
let db: Db;
let services: Services;
let token: string;
const lines: string[] = [];
const logged = (): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

async function serverWith(s: Services): Promise<FastifyInstance> {
  return createServer(s, { logger: { stream: { write: (l: string) => void lines.push(...l.split('\n').filter(Boolean)) } } });
}

beforeAll(async () => {
  db = await openPglite(null);
  await migrate(db);
  services = createServices({ db, masterKey: randomBytes(32) });
  token = (await services.tokens.ensureAdmin(undefined))!;
});

afterAll(async () => {
  await db?.close();
});

describe('request log', () => {
  it('writes one JSON line per request with its id, route, status, actor — and no header, body or secret', async () => {
    const app = await serverWith(services);
    lines.length = 0;
    try {
      const answers = [
        await app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${token}` } }),
        await app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer stw_${SECRET}` } }),
        await app.inject({
          method: 'POST', url: '/api/v1/connections?verify=false', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: JSON.stringify({ name: 'api_log', type: 'postgres', url: `postgres://sys:${SECRET}@127.0.0.1:1/db` }),
        }),
        // The password in a URL that is logged (a query string) is redacted too.
        await app.inject({ method: 'GET', url: `/api/v1/catalog/search?q=${encodeURIComponent(`postgres://u:${SECRET}@h/d`)}`, headers: { authorization: `Bearer ${token}` } }),
        await app.inject({ method: 'GET', url: '/nowhere', headers: { authorization: `Bearer ${token}`, cookie: `session=${SECRET}` } }),
      ];
      const requests = logged().filter((l) => l.msg === 'request');
      expect(requests).toHaveLength(answers.length);
      expect(requests.map((l) => l.status)).toEqual([200, 401, 201, 200, 404]);
      expect(requests.map((l) => l.reqId)).toEqual(answers.map((a) => a.headers['x-request-id']));
      expect(requests[0]).toMatchObject({ level: 30, method: 'GET', url: '/api/v1/users', route: '/api/v1/users', actor: 'token:admin' });
      expect(typeof requests[0]!.ms).toBe('number');
      expect(requests[1]!.actor).toBeUndefined();
      expect(requests[3]!.url).toContain('***');
      expect(lines.join('\n')).not.toContain(SECRET);
      expect(lines.join('\n')).not.toContain(token);
      expect(lines.join('\n')).not.toMatch(/authorization|cookie/i);
    } finally {
      await app.close();
    }
  });

  it('answers a 500 with a request id that the log shows next to the redacted error', async () => {
    const broken = await serverWith({ ...services, status: () => Promise.reject(new Error(`store fell over at postgres://sys:${SECRET}@db:5432/x`)) });
    lines.length = 0;
    try {
      const res = await broken.inject({ method: 'GET', url: '/api/v1/status', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(500);
      const body = JSON.parse(res.body) as { error: { code: string; message: string; requestId: string } };
      expect(body.error).toMatchObject({ code: 'internal', message: 'internal error' });
      const id = body.error.requestId;
      expect(id).toBe(res.headers['x-request-id']);
      const mine = logged().filter((l) => l.reqId === id);
      const error = mine.find((l) => l.msg === 'unexpected error') as { level: number; err: { type: string; message: string; stack: string } } | undefined;
      expect(error).toBeDefined();
      expect(error!.level).toBe(50);
      expect(error!.err.message).toBe('store fell over at postgres://sys:***@db:5432/x');
      expect(error!.err.stack).toContain('api-logging.test.ts');
      expect(mine.find((l) => l.msg === 'request')).toMatchObject({ status: 500, level: 50 });
      expect(lines.join('\n')).not.toContain(SECRET);
      expect(res.body).not.toContain('fell over');
    } finally {
      await broken.close();
    }
  });

  it('logs a response that cannot be serialized as a 500 with its id, too', async () => {
    // A reply the response schema cannot serialize fails after the handler: still logged, still named.
    const odd = await serverWith({ ...services, status: async () => [{ connection: 'x', lastSyncAt: { toJSON: () => { throw new Error(`bad date postgres://u:${SECRET}@h/d`); } } }] as never });
    lines.length = 0;
    try {
      const res = await odd.inject({ method: 'GET', url: '/api/v1/status', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(500);
      const id = (JSON.parse(res.body) as { error: { requestId: string } }).error.requestId;
      expect(logged().some((l) => l.reqId === id && l.msg === 'unexpected error')).toBe(true);
      expect(lines.join('\n')).not.toContain(SECRET);
    } finally {
      await odd.close();
    }
  });

  it('logs a 5xx from a database as an error line with the reason, redacted', async () => {
    await services.connections.add({ name: 'api_down', type: 'postgres', url: `postgres://sys:${SECRET}@127.0.0.1:1/db` }, 'test', { verify: false });
    const app = await serverWith(services);
    lines.length = 0;
    try {
      const res = await app.inject({ method: 'POST', url: '/api/v1/connections/api_down/check', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(502);
      const id = res.headers['x-request-id'];
      const failed = logged().find((l) => l.reqId === id && l.msg === 'request failed') as { err: { message: string } } | undefined;
      expect(failed?.err.message).toMatch(/127\.0\.0\.1/);
      expect(lines.join('\n')).not.toContain(SECRET);
    } finally {
      await app.close();
    }
  });
});
