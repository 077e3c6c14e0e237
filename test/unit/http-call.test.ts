/**
 * The CLI's HTTP exchange (node:http instead of fetch) against a real local HTTP server: the body
 * and headers arrive whole, answers of every kind come back as the server sent them, and the
 * remote client turns an unreachable server, an error answer and a non-JSON answer into one
 * clear StewardError without the token.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCall } from '../../src/client/http-call.js';
import { createRemoteClient } from '../../src/client/remote-client.js';
import { StewardError } from '../../src/domain/errors.js';

const TOKEN = 'stw_httpcall_secret_0123456789';

describe('httpCall and the remote client over node:http', () => {
  let server: Server;
  let base: string;
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url === '/echo') {
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ got: body }));
        } else if (req.url === '/api/v1/status') {
          res.writeHead(200, { 'content-type': 'text/html' }).end('<html>a proxy page</html>');
        } else if (req.url!.startsWith('/api/v1/connections')) {
          res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'conflict', message: 'taken', hint: 'pick another' } }));
        } else {
          res.writeHead(404, 'Nope').end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('sends the method, headers and a multi-byte body whole, and reads the answer', async () => {
    const body = JSON.stringify({ name: 'Zoë 数据', pad: 'x'.repeat(200_000) });
    const r = await httpCall(new URL(`${base}/echo`), { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body });
    expect(r).toMatchObject({ status: 201, ok: true });
    expect(JSON.parse(r.text)).toEqual({ got: body });
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', url: '/echo', body });
    expect(last.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(last.headers.authorization).toBe('Bearer t');
  });

  it('returns an error status as it came, with its reason phrase', async () => {
    const r = await httpCall(new URL(`${base}/missing?x=1`), { method: 'GET', headers: {} });
    expect(r).toMatchObject({ status: 404, statusText: 'Nope', ok: false, text: '' });
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/missing?x=1', body: '' });
  });

  it('refuses a URL that is not http or https', async () => {
    await expect(httpCall(new URL('ftp://127.0.0.1/x'), { method: 'GET', headers: {} })).rejects.toThrow(/unsupported protocol ftp:/);
  });

  it('the remote client: an API error keeps its code and hint; a non-JSON answer and an unreachable server are named, without the token', async () => {
    const client = createRemoteClient({ server: base, token: TOKEN });
    const conflict = await client.addConnection({ name: 'c', type: 'postgres', url: 'postgres://h/d' }, { verify: false }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(StewardError);
    expect(conflict).toMatchObject({ code: 'conflict', message: 'taken', hint: 'pick another' });
    const html = await client.status().catch((e: unknown) => e);
    expect(html).toBeInstanceOf(StewardError);
    expect((html as StewardError).message).toMatch(/GET \/status: the server answered 200 with a body that is not JSON/);
    // A port nothing listens on.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const gone = createRemoteClient({ server: `http://127.0.0.1:${port}`, token: TOKEN });
    const err = await gone.status().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StewardError);
    expect(err).toMatchObject({ code: 'connection_failed' });
    expect((err as StewardError).message).toMatch(new RegExp(`cannot reach the Steward server at http://127.0.0.1:${port} \\(connect ECONNREFUSED`));
    expect(JSON.stringify({ m: (err as StewardError).message, h: (err as StewardError).hint })).not.toContain(TOKEN);
  });
});
