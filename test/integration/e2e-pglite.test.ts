/**
 * The whole pipeline (store → policy engine → plan → SQL → apply) against an in-process PGlite
 * as the governed database; runs everywhere, no server needed. Enforcement is felt with
 * `SET LOCAL ROLE`, which PGlite honours for GRANTs.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalClient } from '../../src/client/local-client.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { PlatformType } from '../../src/domain/connection.js';
import { StewardError } from '../../src/domain/errors.js';
import { createPgliteSession, postgresPlatform } from '../../src/platforms/postgres/index.js';
import type { Platform } from '../../src/platforms/platform.js';
import { PLATFORMS } from '../../src/platforms/registry.js';
import { createServices } from '../../src/services/container.js';
import { openPglite } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';

const yaml = (policies: string, protect = 'lite/postgres/shop') => `
connections:
  lite:
    type: postgres
    url: postgres://steward@pglite.invalid/postgres
    protect: [${protect}]
users:
  alice: { groups: [analysts] }
  bob: { groups: [writers] }
${policies}
`;
const POLICIES = `
policies:
  - { name: analysts-read, type: subscription, access: read, to: { groups: [analysts] }, on: { paths: [lite/postgres/shop/orders] } }
  - { name: writers-write, type: subscription, access: write, to: { groups: [writers] }, on: { paths: [lite/postgres/shop/*] } }
`;

describe('PGlite end to end', () => {
  let target: PGlite;
  let client: StewardClient;
  const config = (policies = POLICIES, protect?: string) => parseConfig(yaml(policies, protect), 'steward.yaml', {});

  async function as(role: string, sql: string): Promise<string> {
    try {
      await target.transaction(async (tx) => {
        await tx.query(`SET LOCAL ROLE ${role}`);
        await tx.query(sql);
      });
      return 'ok';
    } catch (err) {
      return (err as Error).message;
    }
  }

  beforeAll(async () => {
    target = new PGlite();
    await target.exec(`
      CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN;
      CREATE SCHEMA shop; CREATE TABLE shop.orders (id int); CREATE TABLE shop.customers (id int);`);
    const lite: Platform = {
      ...postgresPlatform,
      async connect(spec) {
        return createPgliteSession(target, { options: spec.options, connectionName: spec.name });
      },
    };
    const platforms: Record<PlatformType, Platform> = { ...PLATFORMS, postgres: lite };
    const db = await openPglite(null);
    await migrate(db);
    client = createLocalClient(createServices({ db, masterKey: randomBytes(32), platforms }), 'test');
  });

  afterAll(async () => {
    await client?.close();
    await target?.close();
  });

  it('enforces read and write as the users feel it', async () => {
    await client.storeConfig(config());
    const r = await client.applyConnection('lite', {});
    expect(r.status).toBe('applied');
    expect(await as('alice', 'SELECT * FROM shop.orders')).toBe('ok');
    expect(await as('alice', 'INSERT INTO shop.orders VALUES (1)')).toMatch(/permission denied/);
    expect(await as('alice', 'SELECT * FROM shop.customers')).toMatch(/permission denied/);
    expect(await as('bob', 'INSERT INTO shop.customers VALUES (1)')).toBe('ok');
  });

  it('is idempotent: a second apply is a no-op, with or without a sync', async () => {
    const r = await client.applyConnection('lite', {});
    expect(r.status).toBe('no-op');
    expect(r.sync).not.toBeNull();
    const r2 = await client.applyConnection('lite', { sync: false });
    expect(r2.status).toBe('no-op');
    expect(r2.sync).toBeNull();
  });

  it('takes back what Steward granted on a table that leaves protection', async () => {
    await client.storeConfig(config(POLICIES, 'lite/postgres/shop/orders'));
    const r = await client.applyConnection('lite', {});
    expect(r.status).toBe('applied');
    expect(r.plan.statements.map((x) => x.sql)).toContainEqual(expect.stringMatching(/^REVOKE .* ON TABLE "shop"."customers" FROM /));
    expect(await as('bob', 'INSERT INTO shop.customers VALUES (2)')).toMatch(/permission denied/);
    expect(await as('bob', 'INSERT INTO shop.orders VALUES (2)')).toBe('ok');
    await client.storeConfig(config());
    expect((await client.applyConnection('lite', {})).status).toBe('applied');
  });

  it('refuses a plan that revokes more than half of the managed access, unless forced', async () => {
    await client.storeConfig(config('policies: []'));
    await expect(client.applyConnection('lite', {})).rejects.toSatisfy(
      (e: unknown) => e instanceof StewardError && e.code === 'unsafe_plan' && /would revoke 100%/.test(e.message),
    );
    expect(await as('alice', 'SELECT * FROM shop.orders')).toBe('ok');
    const forced = await client.applyConnection('lite', { force: true });
    expect(forced.status).toBe('applied');
    expect(await as('alice', 'SELECT * FROM shop.orders')).toMatch(/permission denied/);
    const roles = await target.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'steward\\_%'`);
    expect(roles.rows).toEqual([]);
  });
});
