/**
 * `steward serve --sync-interval/--drift-interval`: the background jobs find a new table and
 * revert a hand-made grant without anyone running apply. Target database: in-process PGlite.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { PlatformType } from '../../src/domain/connection.js';
import { startScheduler } from '../../src/jobs/scheduler.js';
import { createPgliteSession, postgresPlatform } from '../../src/platforms/postgres/index.js';
import type { Platform } from '../../src/platforms/platform.js';
import { PLATFORMS } from '../../src/platforms/registry.js';
import { createServices, type Services } from '../../src/services/container.js';
import { openPglite } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';

const CONFIG = `
connections:
  lite: { type: postgres, url: "postgres://steward@pglite.invalid/postgres", protect: [lite/postgres/shop] }
users:
  alice: { groups: [analysts] }
policies:
  - { name: analysts-read, type: subscription, access: read, to: { groups: [analysts] }, on: { paths: [lite/postgres/shop/orders] } }
`;

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('background sync and drift reconcile', () => {
  let target: PGlite;
  let services: Services;
  let scheduler: { stop(): Promise<void> };
  const log: string[] = [];

  beforeAll(async () => {
    target = new PGlite();
    await target.exec('CREATE ROLE alice LOGIN; CREATE ROLE mallory LOGIN; CREATE SCHEMA shop; CREATE TABLE shop.orders (id int);');
    const lite: Platform = { ...postgresPlatform, connect: async (spec) => createPgliteSession(target, { options: spec.options, connectionName: spec.name }) };
    const platforms: Record<PlatformType, Platform> = { ...PLATFORMS, postgres: lite };
    const db = await openPglite(null);
    await migrate(db);
    services = createServices({ db, masterKey: randomBytes(32), platforms });
    await services.config.store(parseConfig(CONFIG, 'steward.yaml', {}), 'test');
    await services.reconcile.apply('lite', () => services.config.loadModel(), { actor: 'test' });
    scheduler = startScheduler(services, { syncIntervalMs: 150, driftIntervalMs: 150, log: (m) => log.push(m) });
  });

  afterAll(async () => {
    await scheduler?.stop();
    await services?.close();
    await target?.close();
  });

  it('reverts a hand-made grant on a protected table', async () => {
    await target.exec('GRANT SELECT ON shop.orders TO mallory');
    await until('the drift to be reverted', async () => {
      const r = await target.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = 'shop.orders'::regclass AND a.grantee = 'mallory'::regrole`,
      );
      return r.rows[0]!.n === 0;
    });
    expect(log.some((l) => l.startsWith('reconcile lite: applied'))).toBe(true);
    const events = await services.audit.list({ connection: 'lite', action: 'apply' });
    expect(events[0]!.actor).toBe('scheduler');
  });

  it('finds a new table by periodic sync', async () => {
    await target.exec('CREATE TABLE shop.refunds (id int)');
    await until('the sync to find it', async () => (await services.catalog.search('refunds')).length === 1);
  });
});
