/**
 * A TLS front for the test PostgreSQL, whose server runs without TLS: it answers the client's
 * SSLRequest with 'S', completes the TLS handshake with a self-signed certificate (CN
 * `localhost`, made with `openssl`), and relays the decrypted stream to the real server. The
 * client side is exactly what a TLS PostgreSQL server shows, so sslmode semantics can be tested
 * for real: `require` connects, `verify-full` rejects the self-signed certificate, `verify-ca`
 * with the certificate as root accepts it while the host name (127.0.0.1) does not match.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';

const SSL_REQUEST = 80877103;

export interface TlsProxy {
  readonly port: number;
  /** PEM file of the proxy's certificate, to pass as `sslrootcert`. */
  readonly certFile: string;
  close(): Promise<void>;
}

/** Null when openssl is not installed (the caller skips loudly). */
export function makeCertificate(): { dir: string; key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'steward-ops-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return { dir, key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem') };
}

export async function startTlsProxy(target: { host: string; port: number }, files: { key: string; cert: string }): Promise<TlsProxy> {
  const key = readFileSync(files.key);
  const cert = readFileSync(files.cert);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.once('data', (first: Buffer) => {
      if (first.length < 8 || first.readInt32BE(4) !== SSL_REQUEST) {
        client.destroy(); // This front speaks TLS only.
        return;
      }
      client.write('S');
      const tls = new TLSSocket(client, { isServer: true, key, cert });
      const upstream = createConnection(target);
      sockets.add(upstream);
      upstream.on('close', () => {
        sockets.delete(upstream);
        tls.destroy();
      });
      tls.on('close', () => upstream.destroy());
      tls.on('error', () => upstream.destroy());
      upstream.on('error', () => tls.destroy());
      tls.pipe(upstream);
      upstream.pipe(tls);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    certFile: files.cert,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
