/**
 * A re-sync against the real PostgreSQL reads relations' digests first and reads in full only
 * those whose digest changed (`crawlDigest`, migration 24). Each kind of catalog change the crawl
 * reports — a column, a column's comment, a table's comment, an owner, a partition, a
 * column-default sequence, a rename, a drop — must still be read and stored; a sync that finds
 * nothing changed must read no relation and write nothing. Database `steward_it_resync`, roles
 * `itrs_*`; the crawl runs as a login with no privilege of its own (catalogs are public).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrawlOptions, DiscoveredObject, OnCrawlSlice } from '../../src/domain/catalog.js';
import { DEFAULT_OPTIONS } from '../../src/domain/connection.js';
import type { PlatformSession } from '../../src/platforms/platform.js';
import { firstFormFingerprintOf } from '../../src/catalog/fingerprint.js';
import { encodePath } from '../../src/domain/paths.js';
import { postgresPlatform } from '../../src/platforms/postgres/index.js';
import { createServices, type Services } from '../../src/services/container.js';
import { openPglite, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';
import { pgAvailable, PG_URL } from '../helpers/databases.js';
import { dropRoles, freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';

const DB = 'steward_it_resync';
const ACCOUNT = 'itrs_account';
const OWNER = 'itrs_owner';
const OTHER = 'itrs_other';
const TABLES = 30;

/** What one sync's crawl handed over: relations read in full, and those named unchanged. */
interface Crawl {
  readonly full: string[];
  readonly unchanged: number;
  readonly known: boolean;
}

describe.skipIf(!pgAvailable)('re-sync by digests on PostgreSQL', () => {
  let db: Db;
  let s: Services;
  let session: PlatformSession;
  let last: Crawl = { full: [], unchanged: 0, known: false };

  const admin = (sql: string): Promise<unknown> => withPg(pgUrl(DB), (c) => c.query(sql));

  /** A session that records what the crawl handed over. */
  function recording(base: PlatformSession): PlatformSession {
    return {
      ...base,
      introspectSlices: async (opts: CrawlOptions, onSlice: OnCrawlSlice) => {
        const crawl = { full: [] as string[], unchanged: 0, known: opts.known !== undefined };
        const snap = await base.introspectSlices!(opts, async (objects: readonly DiscoveredObject[], unchanged) => {
          for (const o of objects) if (o.segments.length === 3) crawl.full.push(o.segments.slice(1).join('.'));
          crawl.unchanged += unchanged.length;
          await onSlice(objects, unchanged);
        });
        last = crawl;
        return snap;
      },
    };
  }

  /** Every stored row's physical version: a written row gets a new one. */
  const versions = async (): Promise<string> =>
    (await db.query<{ h: string }>(`SELECT md5(string_agg(path || ctid::text || xmin::text, ',' ORDER BY path)) AS h FROM objects WHERE connection = 'rs'`))[0]!.h;
  const stored = async (path: string): Promise<{ columns: string | null; owner: string | null; comment: string | null; removed: boolean; sequences: string | null; partition_of: string | null } | undefined> =>
    (await db.query<{ columns: string | null; owner: string | null; comment: string | null; removed: boolean; sequences: string | null; partition_of: string | null }>(
      `SELECT columns, owner, comment, removed_at IS NOT NULL AS removed, sequences, partition_of FROM objects WHERE connection = 'rs' AND path = $1`,
      [path],
    ))[0];
  const sync = () => s.sync.sync('rs', session);
  const rel = (name: string): string => `${DB}/s/${name}`;

  beforeAll(async () => {
    await freshDatabase(DB, [ACCOUNT], [OWNER, OTHER]);
    await admin(`CREATE SCHEMA s AUTHORIZATION ${OWNER}`);
    const ddl = [`SET ROLE ${OWNER}`];
    for (let i = 0; i < TABLES; i++) ddl.push(`CREATE TABLE s.t${i} (id int PRIMARY KEY, v text)`);
    ddl.push(
      'CREATE SEQUENCE s.seq',
      `CREATE TABLE s.events (id int, at date NOT NULL) PARTITION BY RANGE (at)`,
      `CREATE TABLE s.events_2024 PARTITION OF s.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`,
      'CREATE VIEW s.v0 AS SELECT id FROM s.t0',
    );
    await withPg(pgUrl(DB), async (c) => {
      for (const sql of ddl) await c.query(sql);
    });
    db = await openPglite(null);
    await migrate(db);
    s = createServices({ db, masterKey: randomBytes(32) });
    const url = pgUrl(DB, ACCOUNT, 'pw');
    await s.connections.add({ name: 'rs', type: 'postgres', url, options: { databases: [DB] } }, 'test', { verify: false });
    session = recording(await postgresPlatform.connect({ name: 'rs', type: 'postgres', url, options: { ...DEFAULT_OPTIONS, databases: [DB] } }));
  });

  afterAll(async () => {
    await session?.close();
    await db?.close();
    await withPg(PG_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
      await dropRoles(c, [ACCOUNT, OWNER, OTHER]);
    });
  });

  it('a first sync reads everything and stores a digest per relation', async () => {
    const r = await sync();
    expect(last.known).toBe(false);
    expect(last.full).toHaveLength(TABLES + 3);
    // The database and schemas `public` and `s` too.
    expect(r.added.filter((a) => a.kind !== 'column')).toHaveLength(TABLES + 3 + 3);
    const [row] = await db.query<{ n: number; digested: number }>(
      `SELECT count(*)::int AS n, count(crawl_digest)::int AS digested FROM objects WHERE connection = 'rs' AND depth = 3`,
    );
    expect(row).toEqual({ n: TABLES + 3, digested: TABLES + 3 });
  });

  it('a sync finding nothing changed reads no relation in full and writes nothing', async () => {
    const before = await versions();
    const r = await sync();
    expect(last).toEqual({ full: [], unchanged: TABLES + 3, known: true });
    expect([r.added, r.changed, r.removed]).toEqual([[], [], []]);
    expect(r.objects).toBe(TABLES + 3 + 3);
    expect(await versions()).toBe(before);
  });

  it.each([
    ['a new column', 'ALTER TABLE s.t1 ADD COLUMN extra numeric', 't1', (o: Awaited<ReturnType<typeof stored>>) => expect(o!.columns).toContain('extra')],
    ['a column type', 'ALTER TABLE s.t2 ALTER COLUMN v TYPE varchar(20)', 't2', (o: Awaited<ReturnType<typeof stored>>) => expect(o!.columns).toContain('character varying(20)')],
    ['a column comment', `COMMENT ON COLUMN s.t3.v IS 'a value'`, 't3', (o: Awaited<ReturnType<typeof stored>>) => expect(o!.columns).toContain('a value')],
    ['a table comment', `COMMENT ON TABLE s.t4 IS 'four'`, 't4', (o: Awaited<ReturnType<typeof stored>>) => expect(o!.comment).toBe('four')],
    ['an owner', `ALTER TABLE s.t5 OWNER TO ${OTHER}`, 't5', (o: Awaited<ReturnType<typeof stored>>) => expect(o!.owner).toBe(OTHER)],
    ['a column default calling a sequence', `ALTER TABLE s.t6 ALTER COLUMN id SET DEFAULT nextval('s.seq')`, 't6', (o: Awaited<ReturnType<typeof stored>>) => expect(o!.sequences).toBe('[["s","seq"]]')],
    ['NOT NULL', 'ALTER TABLE s.t7 ALTER COLUMN v SET NOT NULL', 't7', (o: Awaited<ReturnType<typeof stored>>) => expect(o!.columns).toContain('["v","text",0,2]')],
  ])('%s is read again and stored, and nothing else is read', async (_what, ddl, table, check) => {
    await admin(ddl);
    const r = await sync();
    expect(last.known).toBe(true);
    expect(last.full).toEqual([`s.${table}`]);
    expect(last.unchanged).toBe(TABLES + 2);
    expect(r.changed.map((c) => c.path)).toContain(`rs/${rel(table)}`);
    check(await stored(rel(table)));
    // And settled: the next sync reads nothing again.
    await sync();
    expect(last.full).toEqual([]);
  });

  it('a new partition, a rename and a drop are found', async () => {
    await admin(`CREATE TABLE s.events_2025 PARTITION OF s.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')`);
    await admin('ALTER TABLE s.t8 RENAME TO t8_renamed');
    await admin('DROP TABLE s.t9');
    const r = await sync();
    expect(last.full.sort()).toEqual(['s.events_2025', 's.t8_renamed']);
    expect(r.added.filter((a) => a.kind !== 'column').map((a) => a.path).sort()).toEqual([`rs/${rel('events_2025')}`, `rs/${rel('t8_renamed')}`]);
    expect(r.removed.filter((a) => a.kind !== 'column').map((a) => a.path).sort()).toEqual([`rs/${rel('t8')}`, `rs/${rel('t9')}`]);
    expect((await stored(rel('events_2025')))!.partition_of).toBe(rel('events'));
    expect((await stored(rel('t9')))!.removed).toBe(true);
    // A dropped table that comes back is read in full (a removed object has no digest to match).
    await admin(`SET ROLE ${OWNER}; CREATE TABLE s.t9 (id int PRIMARY KEY, v text)`);
    const back = await sync();
    expect(last.full).toEqual(['s.t9']);
    expect(back.added.map((a) => a.path)).toContain(`rs/${rel('t9')}`);
    expect((await stored(rel('t9')))!.removed).toBe(false);
  });

  it('a store from before digests (or of an older reader) is read in full once, reports no change, and gets digests', async () => {
    await db.query(`UPDATE objects SET crawl_digest = NULL WHERE connection = 'rs'`);
    const r = await sync();
    expect(last.known).toBe(false);
    expect(last.full.length).toBeGreaterThan(TABLES);
    expect([r.added, r.changed, r.removed]).toEqual([[], [], []]);
    await sync();
    expect(last).toMatchObject({ full: [], known: true });

    await db.query(`UPDATE objects SET crawl_digest = 'pg0:' || substr(crawl_digest, 5) WHERE connection = 'rs' AND crawl_digest IS NOT NULL`);
    const older = await sync();
    expect(last.known).toBe(true);
    expect(last.full.length).toBeGreaterThan(TABLES);
    expect([older.added, older.changed, older.removed]).toEqual([[], [], []]);
    await sync();
    expect(last.full).toEqual([]);
  });

  it('fingerprints of the first form (a store synced before the second) are recognised, restamped once, and then nothing is written', async () => {
    // The store as an older Steward left it: first-form fingerprints and an older reader's digests.
    const snap = await session.introspect();
    for (const o of snap.objects) {
      const path = encodePath(o.segments);
      await db.query(`UPDATE objects SET fingerprint = $2, crawl_digest = CASE WHEN crawl_digest IS NULL THEN NULL ELSE 'pg1:' || substr(crawl_digest, 5) END WHERE connection = 'rs' AND path = $1`, [
        path,
        firstFormFingerprintOf(o),
      ]);
    }
    const [old] = await db.query<{ first: number }>(`SELECT count(*)::int AS first FROM objects WHERE connection = 'rs' AND removed_at IS NULL AND fingerprint NOT LIKE '2:%'`);
    expect(old!.first).toBe(snap.objects.length);
    const r = await sync();
    expect(last.full.length).toBeGreaterThan(TABLES);
    expect([r.added, r.changed, r.removed]).toEqual([[], [], []]);
    const [now] = await db.query<{ first: number }>(`SELECT count(*)::int AS first FROM objects WHERE connection = 'rs' AND removed_at IS NULL AND fingerprint NOT LIKE '2:%'`);
    expect(now!.first).toBe(0);
    const before = await versions();
    await sync();
    expect(last.full).toEqual([]);
    expect(await versions()).toBe(before);
  });
  it('a snapshot read in full (what apply -f plans against) is stored by its digests: unchanged relations are not written, changed ones are', async () => {
    await sync();
    const before = await versions();
    const same = await s.sync.syncSnapshot('rs', await session.introspect());
    expect([same.added, same.changed, same.removed]).toEqual([[], [], []]);
    expect(await versions()).toBe(before);

    // A fingerprint of the first form with the current digest is still restamped.
    const snap = await session.introspect();
    const t4 = snap.objects.find((o) => o.segments.join('/') === `${DB}/s/t4`)!;
    await db.query(`UPDATE objects SET fingerprint = $2 WHERE connection = 'rs' AND path = $1`, [rel('t4'), firstFormFingerprintOf(t4)]);
    const restamped = await s.sync.syncSnapshot('rs', snap);
    expect([restamped.added, restamped.changed, restamped.removed]).toEqual([[], [], []]);
    const [fp] = await db.query<{ fingerprint: string }>(`SELECT fingerprint FROM objects WHERE connection = 'rs' AND path = $1`, [rel('t4')]);
    expect(fp!.fingerprint).toMatch(/^2:/);

    await admin('ALTER TABLE s.t3 ADD COLUMN extra int');
    const changed = await s.sync.syncSnapshot('rs', await session.introspect());
    expect(changed.changed).toContainEqual({ path: `rs/${rel('t3')}`, kind: 'table' });
    expect(changed.added).toContainEqual({ path: `rs/${rel('t3')}/extra`, kind: 'column' });
    expect((await stored(rel('t3')))!.columns).toContain('extra');
  });
});
