/**
 * A database that cannot be reached, as the one reconcile path reports it: the error names the
 * connection (a file may hold several), the failed attempt is in the audit log under that
 * connection, and `status` records the failed sync and shows the connection in `error` until an
 * apply succeeds. No server needed: the URL points at a port nobody listens on; the store is
 * embedded and in memory.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalClient } from '../../src/client/local-client.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import { parseConfig } from '../../src/config/load-config.js';
import { StewardError } from '../../src/domain/errors.js';
import { createServices } from '../../src/services/container.js';
import { openPglite } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';

const SECRET = 'unreach-Secret-9f';

/** A port that refuses connections: one the system handed out and took back. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const yaml = (type: 'postgres' | 'mariadb') => `
connections:
  gone${type}:
    type: ${type}
    url: \${UNREACHABLE_URL}
    databases: [shop]
users:
  alice: { groups: [analysts] }
policies:
  - { name: analysts-read, type: subscription, access: read, to: { groups: [analysts] }, on: { all: true } }
`;

describe('a database that cannot be reached', () => {
  let client: StewardClient;
  let port: number;

  beforeAll(async () => {
    port = await closedPort();
    const db = await openPglite(null);
    await migrate(db);
    client = createLocalClient(createServices({ db, masterKey: randomBytes(32) }), 'test');
  });

  afterAll(async () => {
    await client?.close();
  });

  for (const type of ['postgres', 'mariadb'] as const) {
    it(`${type}: the error names the connection, the attempt is audited under it, status records the failed sync`, async () => {
      const scheme = type === 'postgres' ? 'postgres' : 'mysql';
      const conn = `gone${type}`;
      const url = `${scheme}://sys:${SECRET}@127.0.0.1:${port}/shop`;
      const config = parseConfig(yaml(type), 'steward.yaml', { UNREACHABLE_URL: url });
      // Registered first (as when it answered): the connection has a status to record in.
      await client.addConnection({ name: conn, type, url, options: { databases: ['shop'] } }, { verify: false });

      const plan = await client.plan(config).then(
        () => null,
        (err: unknown) => err,
      );
      expect(plan).toBeInstanceOf(StewardError);
      expect((plan as StewardError).code).toBe('connection_failed');
      expect((plan as StewardError).message).toMatch(new RegExp(`^connection "${conn}": .*127\\.0\\.0\\.1:${port}.*refused`));
      // A plan changes nothing, not even the status.
      expect((await client.status()).find((s) => s.connection === conn)?.lastSyncError ?? null).toBeNull();

      const err = await client.applyConfig(config, {}).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StewardError);
      const e = err as StewardError;
      expect(e.code).toBe('connection_failed');
      expect(e.message).toMatch(new RegExp(`^connection "${conn}": `));
      expect(e.message).not.toContain(SECRET);
      expect((e.details as { connection?: string }).connection).toBe(conn);

      const [event] = await client.audit({ connection: conn, action: 'apply', limit: 1 });
      expect(event?.outcome).toBe('error');
      expect(event?.summary).toMatch(/^connection_failed: connection "gone/);

      const status = (await client.status()).find((s) => s.connection === conn) as { lastSyncError: string | null; health?: { status: string; reason: string } } | undefined;
      expect(status?.lastSyncError).toMatch(new RegExp(`^connection "${conn}": .*refused`));
      expect(status?.health?.status).toBe('error');
      expect(status?.health?.reason).toMatch(/^the last sync failed: /);
      expect(JSON.stringify(status)).not.toContain(SECRET);
    });
  }
});
