/**
 * The metadata store and object sync, run against both store backends (embedded PGlite and a
 * real PostgreSQL): the same suite, one code path.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogSnapshot, DiscoveredObject } from '../../src/domain/catalog.js';
import { DEFAULT_OPTIONS } from '../../src/domain/connection.js';
import type { PlatformSession } from '../../src/platforms/platform.js';
import { createServices, type Services } from '../../src/services/container.js';
import { createSyncService } from '../../src/catalog/sync-service.js';
import type { Db, Executor } from '../../src/store/db.js';
import { COMPACT_COLUMNS_SQL, decodeColumns } from '../../src/store/object-columns.js';
import { connectionsRepo } from '../../src/store/connections-repo.js';
import { objectsRepo } from '../../src/store/objects-repo.js';
import { STORE_BACKENDS, dropTestStores } from '../helpers/stores.js';

/** A platform session whose catalog the test controls. */
function fakeSession(objects: () => DiscoveredObject[]): PlatformSession {
  return {
    async introspect(opts): Promise<CatalogSnapshot> {
      const under = opts?.under ?? [];
      const all = objects().filter((o) => under.every((u, i) => o.segments[i] === u));
      const roots = under.length > 0 ? [under] : [...new Set(all.filter((o) => o.kind === 'database').map((o) => o.segments[0]!))].map((d) => [d]);
      return { objects: all, roots };
    },
    check: () => Promise.reject(new Error('not used')),
    lock: () => Promise.reject(new Error('not used')),
    readActualState: () => Promise.reject(new Error('not used')),
    execute: () => Promise.reject(new Error('not used')),
    close: async () => undefined,
  };
}

const col = (name: string, position: number, type = 'integer') => ({ name, type, nullable: true, position, comment: null });

function catalog(extra: { dropOrders?: boolean; newColumn?: boolean } = {}): DiscoveredObject[] {
  const hostile = 'we"ird; --/*\\ Ünï,\n""';
  const objs: DiscoveredObject[] = [
    { kind: 'database', segments: ['shop'], owner: 'postgres', comment: null },
    { kind: 'schema', segments: ['shop', 'public'], owner: 'postgres', comment: null },
    { kind: 'schema', segments: ['shop', hostile], owner: 'postgres', comment: null },
    {
      kind: 'table', segments: ['shop', 'public', 'customers'], owner: 'etl', comment: 'people',
      columns: [col('id', 1), col('email', 2, 'text'), ...(extra.newColumn ? [col('phone', 3, 'text')] : [])],
    },
    { kind: 'view', segments: ['shop', hostile, hostile], owner: 'etl', comment: null, columns: [col(hostile, 1)] },
  ];
  if (!extra.dropOrders) objs.push({ kind: 'table', segments: ['shop', 'public', 'orders'], owner: 'etl', comment: null, columns: [col('id', 1)] });
  return objs;
}

/** The same session, handing its catalog over in slices of `size` objects (as PostgreSQL's does). */
function slicedSession(objects: () => DiscoveredObject[], size: number): PlatformSession {
  const base = fakeSession(objects);
  return {
    ...base,
    async introspectSlices(opts, onSlice): Promise<CatalogSnapshot> {
      const snap = await base.introspect(opts);
      for (let i = 0; i < snap.objects.length; i += size) await onSlice(snap.objects.slice(i, i + size), []);
      return { objects: [], roots: snap.roots };
    },
  };
}

/** `db` with a count of the statements that write the catalog (objects, or its staging table). */
function countingWrites(db: Db): { db: Db; writes: () => number } {
  let writes = 0;
  const count = (sql: string): void => {
    if (/^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY|TRUNCATE)\s+objects/i.test(sql)) writes++;
  };
  const wrap = (x: Executor): Executor => ({
    query: (sql, params) => (count(sql), x.query(sql, params)),
    exec: (sql) => (count(sql), x.exec(sql)),
    ...(x.copyFrom ? { copyFrom: (sql: string, data: string) => (count(sql), x.copyFrom!(sql, data)) } : {}),
  });
  const counted = Object.create(db) as Db;
  Object.assign(counted, { ...wrap(db), transaction: <T>(fn: (tx: Executor) => Promise<T>) => db.transaction((tx) => fn(wrap(tx))) });
  return { db: counted, writes: () => writes };
}

/** A catalog of many tables, one of which (or a few) the test changes. */
function manyTables(n: number, change: { typeOf?: number; ownerOf?: number; drop?: number; add?: boolean } = {}): DiscoveredObject[] {
  const objs: DiscoveredObject[] = [
    { kind: 'database', segments: ['big'], owner: 'postgres', comment: null },
    { kind: 'schema', segments: ['big', 's'], owner: 'postgres', comment: null },
  ];
  for (let i = 0; i < n + (change.add ? 1 : 0); i++) {
    if (i === change.drop) continue;
    objs.push({
      kind: 'table', segments: ['big', 's', `t${i}`], owner: i === change.ownerOf ? 'someone' : 'etl', comment: null,
      columns: [col('id', 1, 'bigint'), col('v', 2, i === change.typeOf ? 'numeric' : 'integer'), col('note', 3, 'text')],
    });
  }
  return objs;
}

for (const backend of STORE_BACKENDS) {
  describe.skipIf(!backend.available)(`store + sync on ${backend.name}`, () => {
    let db: Db;
    let s: Services;
    let state: { dropOrders?: boolean; newColumn?: boolean } = {};

    beforeAll(async () => {
      db = await backend.open();
      s = createServices({ db, masterKey: randomBytes(32) });
      // Register without a live server: the catalog comes from the fake session.
      await s.connections.add({ name: 'wh', type: 'postgres', url: 'postgres://steward:pa55word@127.0.0.1:1/shop' }, 'test', { verify: false });
    });
    afterAll(async () => {
      await db?.close();
      if (backend.name === 'postgres') await dropTestStores();
    });

    it('stores the URL sealed and shows it redacted', async () => {
      const [c] = await s.connections.list();
      expect(c!.url).toBe('postgres://steward:***@127.0.0.1:1/shop');
      const raw = await db.query<{ url_encrypted: string }>('SELECT url_encrypted FROM connections');
      expect(raw[0]!.url_encrypted).not.toContain('pa55word');
      const audit = JSON.stringify(await s.audit.list());
      expect(audit).not.toContain('pa55word');
    });

    it('rejects a duplicate name with a conflict and a hint, storing nothing', async () => {
      await expect(s.connections.add({ name: 'wh', type: 'postgres', url: 'postgres://x@h/d' }, 'test', { verify: false })).rejects.toMatchObject({
        code: 'conflict',
      });
      await expect(s.connections.add({ name: 'x2', type: 'oracle', url: 'postgres://x@h/d' }, 'test', { verify: false })).rejects.toMatchObject({
        code: 'invalid_input',
        message: expect.stringMatching(/^type: unknown connection type "oracle"/),
      });
      expect((await s.connections.list()).map((c) => c.name)).toEqual(['wh']);
    });

    it('refuses a role prefix that nests with another connection\'s, storing nothing', async () => {
      // steward_ begins wh's steward_wh__: on one server, either would take the other's roles.
      for (const rolePrefix of ['steward_', 'steward_wh__', 'steward_wh__x_']) {
        const err = await s.connections.add({ name: 'wh2', type: 'postgres', url: 'postgres://x@h/d', options: { rolePrefix } }, 'test', { verify: false }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(new RegExp(`^rolePrefix: "${rolePrefix}" (is|nests with) the role prefix of connection "wh" \\("steward_wh__"\\)`)) });
        expect((err as { hint?: string }).hint).toMatch(/never nests/);
      }
      expect((await s.connections.list()).map((c) => c.name)).toEqual(['wh']);
      // The default prefixes never nest, and neither does a chosen one beside them.
      await s.connections.add({ name: 'wh_b', type: 'postgres', url: 'postgres://x@h/d' }, 'test', { verify: false });
      await s.connections.add({ name: 'wh3', type: 'postgres', url: 'postgres://x@h/d', options: { rolePrefix: 'gov_' } }, 'test', { verify: false });
      for (const name of ['wh_b', 'wh3']) await s.connections.remove(name, 'test');
    });

    it('touches no role of a connection whose prefix nests with another\'s in a store made before the check', async () => {
      // Written past the checks, as an older version could: steward_ takes in wh's steward_wh__.
      await connectionsRepo.insert(db, { name: 'old', type: 'postgres', options: { ...DEFAULT_OPTIONS, rolePrefix: 'steward_' }, urlEncrypted: 'x', urlRedacted: 'postgres://x@h/d', source: 'api' });
      try {
        for (const [connection, other] of [['wh', 'old'], ['old', 'wh']] as const) {
          // Refused before connecting (wh's URL reaches nothing: a connect would fail otherwise).
          await expect(s.reconcile.apply(connection, () => s.config.loadModel(), { actor: 'test' })).rejects.toMatchObject({
            code: 'invalid_input',
            message: expect.stringContaining(`the role prefix of connection "${other}"`),
          });
          await expect(s.reconcile.teardown(connection, () => s.config.loadModel(), { actor: 'test', revoke: true })).rejects.toMatchObject({ code: 'invalid_input' });
        }
      } finally {
        await connectionsRepo.remove(db, 'old');
      }
    });

    it('first sync adds everything, hostile names exactly', async () => {
      const r = await s.sync.sync('wh', fakeSession(() => catalog(state)));
      expect(r.removed).toEqual([]);
      expect(r.changed).toEqual([]);
      expect(r.added.map((a) => a.path)).toContain('wh/shop/we"ird; --\\/\\*\\\\ Ünï,\n""/we"ird; --\\/\\*\\\\ Ünï,\n""');
      // Columns of new relations come with them; they are not listed one by one.
      expect(r.added.filter((a) => a.kind === 'column')).toEqual([]);
      const view = await s.catalog.browse('wh/shop/we"ird; --\\/\\*\\\\ Ünï,\n""/we"ird; --\\/\\*\\\\ Ünï,\n""');
      expect(view.object).toMatchObject({ kind: 'view', name: 'we"ird; --/*\\ Ünï,\n""' });
      expect(view.children.map((c) => c.name)).toEqual(['we"ird; --/*\\ Ünï,\n""']);
    });

    it('reads live objects for planning exactly as stored, hostile names and column lists included', async () => {
      const rows = await db.query<{ path: string; parent: string; kind: string; name: string; depth: number; owner: string | null; comment: string | null; columns: string | null; partition_of: string | null; sequences: string | null }>(
        `SELECT path, parent, kind, name, depth, owner, comment, columns, partition_of, sequences FROM objects WHERE connection = 'wh' AND removed_at IS NULL ORDER BY path`,
      );
      const expected = rows.map((r) => ({
        path: r.path, parent: r.parent, kind: r.kind, name: r.name, depth: r.depth, owner: r.owner, comment: r.comment,
        columns: r.columns === null ? null : decodeColumns(r.columns), partitionOf: r.partition_of, sequences: r.sequences === null ? null : JSON.parse(r.sequences), removedAt: null,
      }));
      expect(expected.some((o) => o.name.includes('"') && o.columns !== null && o.columns.length > 0)).toBe(true);
      expect(await objectsRepo.live(db, 'wh')).toEqual(expected);
      expect(await objectsRepo.live(db, 'wh', { withColumns: false })).toEqual(expected.map((o) => ({ ...o, columns: null })));
      expect(await objectsRepo.live(db, 'no such connection')).toEqual([]);
      // What configuration checks read: the same paths in the same order, columns when asked.
      expect(await objectsRepo.livePaths(db, 'wh')).toEqual(expected.map((o) => ({ path: o.path, columns: o.columns })));
      expect(await objectsRepo.livePaths(db, 'wh', { withColumns: false })).toEqual(expected.map((o) => ({ path: o.path, columns: null })));
      expect(await objectsRepo.livePaths(db, 'no such connection')).toEqual([]);
    });

    it('a sync that finds no change writes nothing', async () => {
      const before = await db.query<{ changed_at: Date }>('SELECT changed_at FROM objects ORDER BY path');
      const r = await s.sync.sync('wh', fakeSession(() => catalog(state)));
      expect([r.added.length, r.changed.length, r.removed.length]).toEqual([0, 0, 0]);
      const after = await db.query<{ changed_at: Date }>('SELECT changed_at FROM objects ORDER BY path');
      expect(after).toEqual(before);
    });

    it('reports a dropped table removed and keeps it marked', async () => {
      state = { dropOrders: true };
      const r = await s.sync.sync('wh', fakeSession(() => catalog(state)));
      expect(r.removed).toEqual([{ path: 'wh/shop/public/orders', kind: 'table' }]);
      const live = await s.catalog.browse('wh/shop/public');
      expect(live.children.map((c) => c.name)).toEqual(['customers']);
      const all = await s.catalog.browse('wh/shop/public', { includeRemoved: true });
      expect(all.children.find((c) => c.name === 'orders')?.removedAt).toBeTruthy();
    });

    it('reports a new column as added and the relation as changed', async () => {
      state = { dropOrders: true, newColumn: true };
      const r = await s.sync.sync('wh', fakeSession(() => catalog(state)));
      expect(r.changed).toEqual([{ path: 'wh/shop/public/customers', kind: 'table' }]);
      expect(r.added).toEqual([{ path: 'wh/shop/public/customers/phone', kind: 'column' }]);
      state = { dropOrders: true };
      const r2 = await s.sync.sync('wh', fakeSession(() => catalog(state)));
      expect(r2.removed).toEqual([{ path: 'wh/shop/public/customers/phone', kind: 'column' }]);
      const cols = await s.catalog.browse('wh/shop/public/customers', { includeRemoved: true });
      expect(cols.children.find((c) => c.name === 'phone')?.removedAt).toBeTruthy();
    });

    it('syncs one subtree without touching the rest', async () => {
      state = {};
      const r = await s.sync.sync('wh', fakeSession(() => catalog(state)), ['shop', 'public']);
      expect(r.added).toEqual([{ path: 'wh/shop/public/orders', kind: 'table' }]);
      expect(r.removed).toEqual([]);
    });

    it('pages children and searches by name', async () => {
      const p1 = await s.catalog.browse('wh/shop/public', { limit: 1 });
      expect(p1.children.map((c) => c.name)).toEqual(['customers']);
      const p2 = await s.catalog.browse('wh/shop/public', { limit: 1, after: p1.next });
      expect(p2.children.map((c) => c.name)).toEqual(['orders']);
      const found = await s.catalog.search('CUST');
      expect(found.map((f) => f.path)).toEqual(['wh/shop/public/customers']);
    });

    it('searches column names too: objects first by depth, columns with their type', async () => {
      const mail = await s.catalog.search('MAIL');
      expect(mail.map((f) => [f.kind, f.path, f.type])).toEqual([['column', 'wh/shop/public/customers/email', 'text']]);
      const ids = await s.catalog.search('id', { connection: 'wh' });
      expect(ids.map((f) => f.path)).toEqual(['wh/shop/public/customers/id', 'wh/shop/public/orders/id']);
      expect((await s.catalog.search('id', { limit: 1 })).map((f) => f.path)).toEqual(['wh/shop/public/customers/id']);
      // A hostile name matches as schema, view and column, each path escaped as paths are.
      const weird = await s.catalog.search('we"ird; --/*');
      expect(weird.map((f) => f.kind)).toEqual(['schema', 'view', 'column']);
      expect(weird[2]!.name).toBe('we"ird; --/*\\ Ünï,\n""');
      expect(await s.catalog.search('no such column')).toEqual([]);
    });

    it('marks a whole vanished database removed on a full sync', async () => {
      const withSecondDb = () => [...catalog(state), { kind: 'database' as const, segments: ['old'], owner: null, comment: null }];
      await s.sync.sync('wh', fakeSession(withSecondDb));
      const r = await s.sync.sync('wh', fakeSession(() => catalog(state)));
      expect(r.removed).toEqual([{ path: 'wh/old', kind: 'database' }]);
    });

    it('writes users in bulk, replacing their groups and principals', async () => {
      const { identitiesRepo } = await import('../../src/store/identities-repo.js');
      const u = (name: string, groups: string[], principals: Record<string, string>) => ({ name, email: null, groups, attributes: { r: ['eu'] }, principals });
      await identitiesRepo.putUsers(db, [u('ann', ['a', 'b'], { wh: 'ann_login' }), u('ben', ['b'], {})], 'file');
      await identitiesRepo.putUsers(db, [u('ann', ['b', 'c'], { other: 'ann2' }), u('ben', [], { wh: 'ben' })], 'file');
      const users = await identitiesRepo.users(db);
      expect(users.map((x) => [x.name, x.groups, x.principals, x.attributes])).toEqual([
        ['ann', ['b', 'c'], { other: 'ann2' }, { r: ['eu'] }],
        ['ben', [], { wh: 'ben' }, { r: ['eu'] }],
      ]);
    });

    it('keeps the last applied state, rewriting it only when its digest changes', async () => {
      const { statusRepo } = await import('../../src/store/status-repo.js');
      const state = {
        roles: [{ grantee: { kind: 'role' as const, name: 'steward_wh__r' }, purpose: 'policy' as const }],
        memberships: [{ role: 'steward_wh__r', member: { kind: 'role' as const, name: 'alice' } }],
        grants: [{ securable: { kind: 'table' as const, segments: ['shop', 'public', 'we"ird'] }, grantee: { kind: 'role' as const, name: 'steward_wh__r' }, privileges: ['SELECT' as const] }],
        defaultGrants: [],
        defaultRoles: [],
      };
      await statusRepo.applied(db, 'wh', { outcome: 'ok', error: null, state, digest: 'd1', unconverged: 0, reportedDrift: 0, blocked: 0 });
      expect(await statusRepo.appliedState(db, 'wh')).toEqual(state);
      // Same digest: the stored state is left as it is.
      await statusRepo.applied(db, 'wh', { outcome: 'ok', error: null, state: { ...state, memberships: [] }, digest: 'd1', unconverged: 0, reportedDrift: 0, blocked: 0 });
      expect(await statusRepo.appliedState(db, 'wh')).toEqual(state);
      await statusRepo.applied(db, 'wh', { outcome: 'ok', error: null, state: { ...state, memberships: [] }, digest: 'd2', unconverged: 0, reportedDrift: 0, blocked: 0 });
      expect((await statusRepo.appliedState(db, 'wh'))?.memberships).toEqual([]);
      // Stored packed and compressed (format 4); states written by earlier versions (format 3,
      // gzipped JSON; format 2, plain) are still read.
      const [stored] = await db.query<{ applied_state: string }>(`SELECT applied_state FROM connection_status WHERE connection = 'wh'`);
      expect(JSON.parse(stored!.applied_state)).toMatchObject({ format: 4, gzip: expect.any(String) });
      const { gzipSync } = await import('node:zlib');
      await db.query(`UPDATE connection_status SET applied_state = $1 WHERE connection = 'wh'`, [JSON.stringify({ format: 3, gzip: gzipSync(JSON.stringify(state)).toString('base64') })]);
      expect(await statusRepo.appliedState(db, 'wh')).toEqual(state);
      await db.query(`UPDATE connection_status SET applied_state = $1 WHERE connection = 'wh'`, [JSON.stringify({ format: 2, state })]);
      expect(await statusRepo.appliedState(db, 'wh')).toEqual(state);
      // A state stored before grantees were typed is not read as if it were: no last state.
      await db.query(`UPDATE connection_status SET applied_state = $1 WHERE connection = 'wh'`, [JSON.stringify({ ...state, roles: [{ name: 'x', purpose: 'policy' }] })]);
      expect(await statusRepo.appliedState(db, 'wh')).toBeNull();
    });

    it('column lists stored by an earlier version are rewritten compactly by migration 7', async () => {
      const old = [
        { name: 'id', type: 'integer', nullable: false, position: 1, comment: null },
        { name: 'we"ird\n', type: 'text', nullable: true, position: 2, comment: 'c"' },
        { name: 'gone', type: 'text', nullable: true, position: 3, comment: null, removedAt: '2026-11-30T10:00:00.000Z' },
      ];
      await db.query(`INSERT INTO objects (connection, path, parent, kind, name, depth, columns, fingerprint) VALUES ('wh', 'legacy', '', 'database', 'legacy', 1, $1, 'x')`, [JSON.stringify(old)]);
      await db.exec(COMPACT_COLUMNS_SQL);
      const [row] = await db.query<{ columns: string }>(`SELECT columns FROM objects WHERE connection = 'wh' AND path = 'legacy'`);
      expect(row!.columns.startsWith('[[')).toBe(true);
      expect(decodeColumns(row!.columns)).toEqual(old);
      await db.query(`DELETE FROM objects WHERE connection = 'wh' AND path = 'legacy'`);
    });

    it.each([
      ['whole', (objects: () => DiscoveredObject[]) => fakeSession(objects)],
      ['in slices', (objects: () => DiscoveredObject[]) => slicedSession(objects, 37)],
    ] as const)('among many tables (crawl handed over %s), finds the one that changed and writes only it; no change writes nothing', async (_, session) => {
      await s.connections.add({ name: 'many', type: 'postgres', url: 'postgres://steward@127.0.0.1:1/big' }, 'test', { verify: false });
      const counted = countingWrites(db);
      const sync = createSyncService({ db: counted.db });
      const versions = async () =>
        new Map((await db.query<{ path: string; v: string }>(`SELECT path, ctid::text || xmin::text AS v FROM objects WHERE connection = 'many'`)).map((r) => [r.path, r.v]));
      const first = await sync.sync('many', session(() => manyTables(300)));
      expect(first.added).toHaveLength(302);

      let writes = counted.writes();
      const before = await versions();
      const same = await sync.sync('many', session(() => manyTables(300)));
      expect([same.added, same.changed, same.removed]).toEqual([[], [], []]);
      expect(counted.writes()).toBe(writes);
      expect(await versions()).toEqual(before);

      const r = await sync.sync('many', session(() => manyTables(300, { typeOf: 123, ownerOf: 201 })));
      expect(r.changed).toEqual([
        { path: 'many/big/s/t123', kind: 'table' },
        { path: 'many/big/s/t201', kind: 'table' },
        { path: 'many/big/s/t123/v', kind: 'column' },
      ]);
      expect([r.added, r.removed]).toEqual([[], []]);
      expect(counted.writes()).toBeGreaterThan(writes); // the counter sees the writes there are
      const after = await versions();
      expect([...after].filter(([p, v]) => before.get(p) !== v).map(([p]) => p).sort()).toEqual(['big/s/t123', 'big/s/t201']);
      const t123 = await s.catalog.browse('many/big/s/t123');
      expect(t123.children.find((c) => c.name === 'v')).toMatchObject({ type: 'numeric' });

      const r2 = await sync.sync('many', session(() => manyTables(300, { typeOf: 123, ownerOf: 201, drop: 7, add: true })));
      expect([r2.added, r2.changed, r2.removed]).toEqual([[{ path: 'many/big/s/t300', kind: 'table' }], [], [{ path: 'many/big/s/t7', kind: 'table' }]]);
      // It comes back: added again, with its columns.
      const r3 = await sync.sync('many', session(() => manyTables(300, { typeOf: 123, ownerOf: 201, add: true })));
      expect([r3.added, r3.changed, r3.removed]).toEqual([[{ path: 'many/big/s/t7', kind: 'table' }], [], []]);
      expect((await s.catalog.browse('many/big/s/t7')).children.map((c) => c.name)).toEqual(['id', 'v', 'note']);

      writes = counted.writes();
      const settled = await versions();
      await sync.sync('many', session(() => manyTables(300, { typeOf: 123, ownerOf: 201, add: true })));
      expect(counted.writes()).toBe(writes);
      expect(await versions()).toEqual(settled);
      await s.connections.remove('many', 'test');
      expect(await db.query(`SELECT 1 FROM objects WHERE connection = 'many'`)).toEqual([]);
    });

    it('a crawl in slices that fails part-way stores nothing of it, and the failure shows in the status', async () => {
      const failing: PlatformSession = {
        ...fakeSession(() => catalog(state)),
        async introspectSlices(_opts, onSlice): Promise<CatalogSnapshot> {
          await onSlice([{ kind: 'database', segments: ['half'], owner: null, comment: null }], []);
          throw new Error('connection lost');
        },
      };
      await expect(s.sync.sync('wh', failing)).rejects.toThrow('connection lost');
      expect(await db.query(`SELECT 1 FROM objects WHERE connection = 'wh' AND path = 'half'`)).toEqual([]);
      const [st] = await db.query<{ last_sync_error: string | null }>(`SELECT last_sync_error FROM connection_status WHERE connection = 'wh'`);
      expect(st!.last_sync_error).toContain('connection lost');
    });

    it('a sync of a connection that is not stored fails as not found and stores nothing', async () => {
      await expect(s.sync.sync('nosuch', fakeSession(() => catalog(state)))).rejects.toMatchObject({ code: 'not_found' });
      expect(await db.query(`SELECT 1 FROM objects WHERE connection = 'nosuch'`)).toEqual([]);
    });

    it('removing a connection removes its catalog', async () => {
      await s.connections.remove('wh', 'test');
      const n = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM objects');
      expect(n[0]!.n).toBe('0');
    });
  });
}
