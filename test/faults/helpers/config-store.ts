/**
 * A store with something in it, for the broken-configuration suite: a registered connection
 * `lite` (PostgreSQL, an in-process PGlite, synced), a registered `later` (MariaDB, never
 * synced), a user, group and tag made over the API, and a valid file stored. `snapshot()`
 * reads back everything a configuration can change, to prove that a refused one changed nothing.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { createLocalClient } from '../../../src/client/local-client.js';
import type { StewardClient } from '../../../src/client/steward-client.js';
import { parseConfig } from '../../../src/config/load-config.js';
import type { PlatformType } from '../../../src/domain/connection.js';
import { createPgliteSession, postgresPlatform } from '../../../src/platforms/postgres/index.js';
import type { Platform } from '../../../src/platforms/platform.js';
import { PLATFORMS } from '../../../src/platforms/registry.js';
import { createServices, type Services } from '../../../src/services/container.js';
import { openPglite } from '../../../src/store/db.js';
import { migrate } from '../../../src/store/migrations.js';

export const ENV = {
  LITE_URL: 'postgres://steward@pglite.invalid/postgres',
  LATER_URL: 'mysql://steward@127.0.0.1:1/shop',
};

/** The valid file every broken one is a variant of. */
export const BASE_CONFIG = `
groups: [analysts, hr]
users:
  alice: { groups: [analysts], attributes: { region: [eu] } }
  bob: { groups: [hr] }
tags:
  lite/postgres/shop/orders: [sales]
  lite/postgres/shop/customers/email: [pii]
policies:
  - { name: analysts-read-sales, type: subscription, access: read, to: { groups: [analysts] }, on: { tags: [sales] } }
  - { name: pii-only-hr, type: guardrail, to: { groups: [hr] }, on: { tags: [pii] } }
`;

export interface SeededStore {
  readonly services: Services;
  readonly client: StewardClient;
  snapshot(): Promise<string>;
  close(): Promise<void>;
}

/** Everything a configuration may change, as text (audit events by count and last id). */
export async function snapshotOf(s: Services): Promise<string> {
  const audit = await s.audit.list({ limit: 10_000 });
  return JSON.stringify({
    connections: await s.connections.list(),
    users: await s.identities.listUsers(),
    groups: await s.identities.listGroups(),
    policies: await s.identities.listPolicies(),
    tags: await s.identities.listTags(),
    // A refused attempt is itself audited (outcome "error"); what must not appear is a change.
    audit: audit.filter((e) => e.outcome !== 'error').map((e) => e.id),
  });
}

export interface SeedOptions {
  /** Register `later` (MariaDB, unreachable, never synced); default true. */
  readonly later?: boolean;
  /** Sync `lite` after registering it; default true. */
  readonly sync?: boolean;
  /** Store BASE_CONFIG and the API-made user, group and tag; default true. */
  readonly content?: boolean;
}

export async function seededStore(opts: SeedOptions = {}): Promise<SeededStore & { readonly target: PGlite }> {
  const target = new PGlite();
  await target.exec(`
    CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN;
    CREATE SCHEMA shop;
    CREATE TABLE shop.orders (id int, email text, region text);
    CREATE TABLE shop.customers (id int, email text);`);
  const lite: Platform = {
    ...postgresPlatform,
    async connect(spec) {
      return createPgliteSession(target, { options: spec.options, connectionName: spec.name });
    },
  };
  const platforms: Record<PlatformType, Platform> = { ...PLATFORMS, postgres: lite };
  const db = await openPglite(null);
  await migrate(db);
  const services = createServices({ db, masterKey: randomBytes(32), platforms });
  await services.connections.add({ name: 'lite', type: 'postgres', url: ENV.LITE_URL, options: { protect: ['lite/postgres/shop'] } }, 'seed');
  if (opts.sync !== false) await services.syncConnection('lite');
  if (opts.later !== false) await services.connections.add({ name: 'later', type: 'mariadb', url: ENV.LATER_URL }, 'seed', { verify: false });
  if (opts.content !== false) {
    await services.identities.addGroup('auditors', 'seed');
    await services.identities.putUser({ name: 'carol', email: null, groups: ['auditors'], attributes: { team: ['ops'] }, principals: {} }, 'seed');
    await services.identities.tag('lite/postgres/shop/customers', 'crm', 'seed');
    await services.config.store(parseConfig(BASE_CONFIG, 'base.yaml', ENV), 'seed');
  }
  const client = createLocalClient(services, 'faults');
  return {
    target,
    services,
    client,
    snapshot: () => snapshotOf(services),
    async close() {
      await services.close();
      await target.close();
    },
  };
}
