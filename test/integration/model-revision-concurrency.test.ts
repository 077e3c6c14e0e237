/**
 * The model revision (migration 23) on a PostgreSQL-backed store, where writers really run at
 * once: configuration stores and API writes racing each other all finish (the counter's row is
 * taken before any other row, so they queue instead of deadlocking), each is counted, and a
 * store whose preview went stale meanwhile checks the file again instead of trusting it.
 * Database `steward_it_store_<pid>_*` (dropped after).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { createServices, type Services } from '../../src/services/container.js';
import type { Db } from '../../src/store/db.js';
import { STORE_BACKENDS, dropTestStores } from '../helpers/stores.js';

const backend = STORE_BACKENDS.find((b) => b.name === 'postgres')!;

const file = (users: readonly string[], group: string) =>
  parseConfig(`groups: [${group}]\nusers:\n${users.map((u) => `  ${u}: { groups: [${group}] }\n`).join('')}`, 'steward.yaml', {});

describe.skipIf(!backend.available)('model revision with concurrent writers (PostgreSQL store)', () => {
  let db: Db;
  let s: Services;
  const revision = async (): Promise<number> => Number((await db.query<{ n: string }>('SELECT n::text AS n FROM model_revision'))[0]!.n);

  beforeAll(async () => {
    db = await backend.open();
    s = createServices({ db, masterKey: randomBytes(32) });
  });
  afterAll(async () => {
    await db?.close();
    await dropTestStores();
  });

  it('configuration stores and API writes racing each other all finish, none deadlocks, each is counted', async () => {
    const before = await revision();
    const many = Array.from({ length: 200 }, (_v, i) => `mr_u${i}`);
    const results = await Promise.allSettled([
      s.config.store(file(many, 'mr_a'), 'file-a'),
      ...Array.from({ length: 6 }, (_v, i) => s.identities.putUser({ name: `mr_api${i}`, email: null, groups: ['mr_b'], attributes: {}, principals: {} }, 'api')),
      s.config.store(file(many.slice(0, 50), 'mr_c'), 'file-c'),
      ...Array.from({ length: 3 }, (_v, i) => s.identities.putUser({ name: `mr_u${i}`, email: `u${i}@example.com`, groups: ['mr_b'], attributes: {}, principals: {} }, 'api')),
    ]);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String(r.reason))).toEqual([]);
    // Each of the 11 writers ran at least one writing statement.
    expect((await revision()) - before).toBeGreaterThanOrEqual(11);
    const names = (await s.identities.listUsers()).map((u) => u.name);
    for (let i = 0; i < 6; i++) expect(names).toContain(`mr_api${i}`);
  });

  it('a preview gone stale while another writer committed is checked again when stored', async () => {
    const users = ['mr_x1', 'mr_x2'];
    const preview = await s.config.preview(file(users, 'mr_x'), { forStore: true });
    expect(preview.basis!.changes.users.added).toEqual(users);
    // Meanwhile, over the API: mr_x1 is made with another e-mail.
    await s.identities.putUser({ name: 'mr_x1', email: 'x1@example.com', groups: ['mr_x'], attributes: {}, principals: {} }, 'api');
    const stored = await s.config.store(file(users, 'mr_x'), 'file', { basis: preview.basis! });
    expect(stored.unchanged).toBe(false);
    // The file took mr_x1 over (its e-mail is the file's: none), as a fresh check would.
    const x1 = (await s.identities.listUsers()).find((u) => u.name === 'mr_x1');
    expect(x1).toMatchObject({ email: null, source: 'file' });
    const [event] = await s.audit.list({ action: 'config.store', limit: 1 });
    expect((event!.details as { changed: { users: unknown } }).changed.users).toMatchObject({ added: { names: ['mr_x2'] }, updated: { names: ['mr_x1'] } });
  });
});
