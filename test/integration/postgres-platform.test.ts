/**
 * The PostgreSQL platform end to end, against the real server (database `steward_it_pg`, roles
 * `itpg_*` / `steward_itpg_*`) and against PGlite in-process: the same scenarios on both.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessScope, type AccessState, type Securable, PUBLIC_GRANTEE, roleGrantee as R } from '../../src/domain/access.js';
import { compareGrants } from '../../src/domain/canonical-state.js';
import type { DiscoveredObject } from '../../src/domain/catalog.js';
import { encodeColumns } from '../../src/domain/column-list.js';
import { DEFAULT_OPTIONS, type ConnectionOptions } from '../../src/domain/connection.js';
import { StewardError } from '../../src/domain/errors.js';
import type { Plan } from '../../src/domain/plan.js';
import type { PlatformSession } from '../../src/platforms/platform.js';
import { compile } from '../../src/platforms/postgres/compile.js';
import { createPgliteSession, postgresPlatform } from '../../src/platforms/postgres/index.js';
import { openPgClients } from '../../src/platforms/postgres/pg-clients.js';
import type { Queryable } from '../../src/platforms/postgres/queryable.js';
import { quoteIdent } from '../../src/platforms/postgres/quote.js';
import { createPostgresSession } from '../../src/platforms/postgres/session.js';
import { parseUrl } from '../../src/platforms/postgres/url.js';
import { advisoryLockKey } from '../../src/platforms/postgres/lock-key.js';
import { pgAvailable, PG_URL } from '../helpers/databases.js';
import { createHostileSchema, HOSTILE_SCHEMA, PG_HOSTILE_NAMES } from '../helpers/hostile-names.js';

const DB = 'steward_it_pg';
/** A second database whose name a URL path cannot carry through pg's parser. */
const DB2 = 'steward_it_pg 2/"x"?#%2F';
const CONN = 'itpg';
/** Prefixes per scenario so one scenario's roles never show up in another's actual state. */
const AS = 'steward_itpg_as_';
const EX = 'steward_itpg_ex_';
const LOGIN = 'itpg_login';
const PASSWORD = 'itpg-Secret-pw-42';
const HOSTILE_TABLE = PG_HOSTILE_NAMES[0]!;
const q = quoteIdent;

interface Backend {
  readonly db: string;
  readonly admin: Queryable;
  session(options?: Partial<ConnectionOptions>): Promise<PlatformSession>;
  /** Run `fn` with the privileges of login role `role` only. */
  asRole<T>(role: string, fn: (db: Queryable) => Promise<T>): Promise<T>;
}

function pgUrl(database: string, user = 'postgres', password?: string): string {
  const u = new URL(PG_URL);
  u.username = encodeURIComponent(user);
  if (password !== undefined) u.password = encodeURIComponent(password);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.href;
}

const wrap = (c: pg.Client | PGlite): Queryable => ({
  async query<T>(sql: string, params?: unknown[]) {
    const r = await (c as pg.Client).query(sql, params);
    return { rows: r.rows as T[] };
  },
});

/** Objects, tables and views owned by `itpg_owner`, comments, a dropped column, partitions, hostile names. */
async function buildFixture(admin: Queryable): Promise<void> {
  for (const r of ['itpg_owner', 'itpg_bob', 'itpg_ignored', 'itpg_alice']) await admin.query(`CREATE ROLE ${q(r)} NOLOGIN`);
  // CREATE ROLE takes no bind parameters; the password is a test constant.
  await admin.query(`CREATE ROLE ${q(LOGIN)} LOGIN PASSWORD '${PASSWORD}'`);
  await admin.query('CREATE SCHEMA shop AUTHORIZATION itpg_owner');
  await admin.query(`COMMENT ON SCHEMA shop IS 'The shop'`);
  await admin.query('SET ROLE itpg_owner');
  await admin.query('CREATE TABLE shop.orders (id int PRIMARY KEY, gone int, amount numeric(10,2) NOT NULL, note text)');
  await admin.query('ALTER TABLE shop.orders DROP COLUMN gone');
  await admin.query(`COMMENT ON TABLE shop.orders IS 'Customer orders'`);
  await admin.query(`COMMENT ON COLUMN shop.orders.amount IS 'Total, EUR'`);
  await admin.query(`INSERT INTO shop.orders VALUES (1, 9.50, 'first')`);
  await admin.query('CREATE TABLE shop.customers (id int, dropped int, "new\nline\t\u0001 \u2028😀" text)');
  await admin.query('ALTER TABLE shop.customers DROP COLUMN dropped');
  await admin.query('CREATE VIEW shop.order_totals AS SELECT sum(amount) AS total FROM shop.orders');
  await admin.query('CREATE MATERIALIZED VIEW shop.mv_orders AS SELECT id FROM shop.orders');
  await admin.query('CREATE TABLE shop.events (id int, at date NOT NULL) PARTITION BY RANGE (at)');
  await admin.query(`CREATE TABLE shop.events_2024 PARTITION OF shop.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`);
  await admin.query(`CREATE TABLE shop.events_2025 PARTITION OF shop.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')`);
  // Column defaults calling nextval (serial, an explicit DEFAULT in another schema), and an
  // identity column, which needs no sequence privilege.
  await admin.query('CREATE SEQUENCE shop."tick""et seq"');
  await admin.query(`CREATE TABLE shop.tickets (id serial PRIMARY KEY, ref bigint DEFAULT nextval('shop."tick""et seq"'), ident int GENERATED ALWAYS AS IDENTITY)`);
  await admin.query('RESET ROLE');
  await createHostileSchema(admin);
}

const options = (db: string | null, extra: Partial<ConnectionOptions> = {}): ConnectionOptions => ({
  ...DEFAULT_OPTIONS,
  databases: db === null ? null : [db],
  ...extra,
});

const find = (objects: readonly DiscoveredObject[], ...segments: string[]): DiscoveredObject | undefined =>
  objects.find((o) => JSON.stringify(o.segments) === JSON.stringify(segments));

const table = (...segments: string[]): Securable => ({ kind: 'table', segments });

/** Order-insensitive form of a state, for exact comparison. */
function normalized(s: AccessState): AccessState {
  const by = <T>(xs: readonly T[]): T[] => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  // Grantors depend on who ran the fixture's GRANTs; the grantor tests check them.
  const grants = s.grants.map(({ grantor: _g, ...g }) => g);
  return { roles: by(s.roles), memberships: by(s.memberships), grants: by(grants), defaultGrants: by(s.defaultGrants), defaultRoles: by(s.defaultRoles) };
}

function scenarios(name: string, backend: () => Backend): void {
  describe(`${name}: introspect`, () => {
    it('crawls databases, schemas, relations with columns and comments; partitions with their parent; default sequences', async () => {
      const b = backend();
      const session = await b.session();
      try {
        const snap = await session.introspect();
        expect(snap.roots).toEqual([[b.db]]);
        expect(find(snap.objects, b.db)).toMatchObject({ kind: 'database' });
        expect(find(snap.objects, b.db, 'shop')).toEqual({ kind: 'schema', segments: [b.db, 'shop'], owner: 'itpg_owner', comment: 'The shop' });
        expect(find(snap.objects, b.db, 'shop', 'orders')).toEqual({
          kind: 'table',
          segments: [b.db, 'shop', 'orders'],
          owner: 'itpg_owner',
          comment: 'Customer orders',
          columns: [
            { name: 'id', type: 'integer', nullable: false, position: 1, comment: null },
            // `gone` was dropped: positions count live columns only.
            { name: 'amount', type: 'numeric(10,2)', nullable: false, position: 2, comment: 'Total, EUR' },
            { name: 'note', type: 'text', nullable: true, position: 3, comment: null },
          ],
          // A column has a comment: decoded, commented and encoded again.
          columnsText: '[["id","integer",0,1],["amount","numeric(10,2)",0,2,"Total, EUR"],["note","text",1,3]]',
          // Opaque and versioned; what it covers is tested with the re-sync (store-sync-postgres).
          crawlDigest: expect.stringMatching(/^pg2:[0-9a-f]{32}:[A-Za-z0-9+/=]+$/),
        });
        // No comment: the server's text as it wrote it, its JSON strings escaped as JavaScript
        // escapes them, and `dropped` leaving a gap in the attnums that decoding counts over.
        const customers = find(snap.objects, b.db, 'shop', 'customers');
        expect(customers?.columnsText).toBe(`[["id","integer",1,1],[${JSON.stringify('new\nline\t\u0001 \u2028😀')},"text",1,3]]`);
        expect(customers?.columns?.map((c) => [c.name, c.position])).toEqual([
          ['id', 1],
          ['new\nline\t\u0001 \u2028😀', 2],
        ]);
        expect(find(snap.objects, b.db, 'shop', 'order_totals')?.kind).toBe('view');
        expect(find(snap.objects, b.db, 'shop', 'order_totals')?.columns).toEqual([{ name: 'total', type: 'numeric', nullable: true, position: 1, comment: null }]);
        expect(find(snap.objects, b.db, 'shop', 'mv_orders')?.kind).toBe('materialized_view');
        expect(find(snap.objects, b.db, 'shop', 'events')?.kind).toBe('partitioned_table');
        expect(find(snap.objects, b.db, 'shop', 'events_2024')).toMatchObject({ kind: 'partition', partitionOf: [b.db, 'shop', 'events'] });
        expect(find(snap.objects, b.db, 'shop', 'events_2025')).toMatchObject({ kind: 'partition', partitionOf: [b.db, 'shop', 'events'] });
        // Sequences behind nextval defaults, found through dependencies (hostile name included); not the identity's.
        expect(find(snap.objects, b.db, 'shop', 'tickets')?.sequences).toEqual([
          ['shop', 'tick"et seq'],
          ['shop', 'tickets_id_seq'],
        ]);
        expect(find(snap.objects, b.db, 'shop', 'orders')?.sequences).toBeUndefined();
        expect(snap.objects.some((o) => ['pg_catalog', 'information_schema'].includes(o.segments[1] ?? '') || (o.segments[1] ?? '').startsWith('pg_toast'))).toBe(false);
      } finally {
        await session.close();
      }
    });

    it('round-trips hostile schema, table and column names exactly', async () => {
      const b = backend();
      const session = await b.session();
      try {
        const snap = await session.introspect({ under: [b.db, HOSTILE_SCHEMA] });
        expect(snap.roots).toEqual([[b.db, HOSTILE_SCHEMA]]);
        expect(find(snap.objects, b.db, HOSTILE_SCHEMA)?.kind).toBe('schema');
        const tables = snap.objects.filter((o) => o.segments.length === 3);
        expect(tables.map((t) => t.segments[2]).sort()).toEqual([...PG_HOSTILE_NAMES].sort());
        for (const t of tables) {
          expect(t.segments[1]).toBe(HOSTILE_SCHEMA);
          expect(t.columns?.map((c) => c.name)).toEqual(PG_HOSTILE_NAMES);
          expect(t.columns?.map((c) => c.position)).toEqual(PG_HOSTILE_NAMES.map((_, i) => i + 1));
          expect(t.columns?.[0]?.nullable).toBe(false);
          // The server's JSON strings are JavaScript's: the text is what encodeColumns makes.
          expect(t.columnsText).toBe(encodeColumns(t.columns!));
        }
      } finally {
        await session.close();
      }
    });

    it('limits the crawl to a subtree and reports it as the only root', async () => {
      const b = backend();
      const session = await b.session();
      try {
        const schema = await session.introspect({ under: [b.db, 'shop'] });
        expect(schema.roots).toEqual([[b.db, 'shop']]);
        expect(new Set(schema.objects.map((o) => o.segments[1] ?? '(db)'))).toEqual(new Set(['(db)', 'shop']));
        const one = await session.introspect({ under: [b.db, 'shop', 'orders'] });
        expect(one.roots).toEqual([[b.db, 'shop', 'orders']]);
        expect(one.objects.map((o) => o.segments)).toEqual([[b.db], [b.db, 'shop'], [b.db, 'shop', 'orders']]);
        const gone = await session.introspect({ under: [b.db, 'no such schema'] });
        expect(gone).toEqual({ roots: [[b.db, 'no such schema']], objects: [expect.objectContaining({ segments: [b.db] })] });
        const otherDb = await session.introspect({ under: ['steward_it_pg_nope'] });
        expect(otherDb).toEqual({ roots: [['steward_it_pg_nope']], objects: [] });
        await expect(session.introspect({ under: ['a', 'b', 'c', 'd'] })).rejects.toMatchObject({ code: 'invalid_input' });
      } finally {
        await session.close();
      }
    });
  });

  describe(`${name}: actual state`, () => {
    const READERS = `${AS}readers`;
    const PERSONAL = `${AS}u_alice`;
    const HOSTILE_ROLE = `${AS}Hostile "role"; --`;
    // Read back through a JSON array of member names: quotes, backslashes and non-ASCII must survive.
    const ODD_MEMBER = `${AS}back\\slash ü ☃ "q", [x]`;

    beforeAll(async () => {
      const { admin, db } = backend();
      for (const r of [READERS, PERSONAL, HOSTILE_ROLE, ODD_MEMBER]) await admin.query(`CREATE ROLE ${q(r)} NOLOGIN`);
      const statements = [
        `GRANT ${q(READERS)} TO ${q(PERSONAL)}`,
        `GRANT ${q(READERS)} TO ${q(ODD_MEMBER)}`,
        `GRANT ${q(PERSONAL)} TO itpg_alice`,
        'GRANT itpg_owner TO itpg_alice',
        `GRANT ${q(READERS)} TO itpg_ignored`,
        `GRANT SELECT ON shop.orders TO ${q(READERS)}`,
        `GRANT SELECT ON ${q(HOSTILE_SCHEMA)}.${q(HOSTILE_TABLE)} TO ${q(HOSTILE_ROLE)}`,
        `GRANT USAGE ON SCHEMA shop TO ${q(READERS)}`,
        'GRANT USAGE ON SCHEMA shop TO itpg_bob',
        `GRANT CONNECT ON DATABASE ${q(db)} TO ${q(READERS)}`,
        `ALTER DEFAULT PRIVILEGES FOR ROLE itpg_owner IN SCHEMA shop GRANT SELECT, INSERT, REFERENCES ON TABLES TO ${q(READERS)}`,
        'ALTER DEFAULT PRIVILEGES FOR ROLE itpg_owner IN SCHEMA shop GRANT SELECT ON TABLES TO itpg_bob',
        'GRANT SELECT, UPDATE, REFERENCES ON shop.orders TO itpg_bob',
        'GRANT SELECT ON shop.orders TO PUBLIC',
        'GRANT SELECT ON shop.orders TO itpg_ignored',
        'GRANT SELECT ON shop.customers TO itpg_bob',
      ];
      for (const s of statements) await admin.query(s);
    });

    it('reads roles, memberships, grants and default grants in scope, and nothing else', async () => {
      const b = backend();
      const session = await b.session();
      const scope: AccessScope = {
        rolePrefix: AS,
        principals: [R('itpg_alice'), R('itpg_nobody')],
        protectedTables: [table(b.db, 'shop', 'orders'), table(b.db, HOSTILE_SCHEMA, HOSTILE_TABLE)],
        protectedSequences: [],
        containers: [
          { kind: 'database', segments: [b.db] },
          { kind: 'schema', segments: [b.db, 'shop'] },
          { kind: 'schema', segments: [b.db, HOSTILE_SCHEMA] },
        ],
        databases: [],
        protectedDatabases: [],
        ignoredGrantees: ['itpg_ignored'],
      };
      try {
        const state = await session.readActualState(scope);
        expect(normalized(state)).toEqual(
          normalized({
            roles: [
              { grantee: R(READERS), purpose: 'policy' },
              { grantee: R(PERSONAL), purpose: 'personal' },
              { grantee: R(HOSTILE_ROLE), purpose: 'policy' },
              { grantee: R(ODD_MEMBER), purpose: 'policy' },
              { grantee: R('itpg_alice'), purpose: 'principal' },
            ],
            memberships: [
              { role: READERS, member: R(PERSONAL) },
              { role: READERS, member: R(ODD_MEMBER) },
              { role: PERSONAL, member: R('itpg_alice') },
            ],
            grants: [
              { securable: table(b.db, 'shop', 'orders'), grantee: R(READERS), privileges: ['SELECT'] },
              { securable: table(b.db, 'shop', 'orders'), grantee: R('itpg_bob'), privileges: ['SELECT', 'UPDATE'] },
              { securable: table(b.db, 'shop', 'orders'), grantee: PUBLIC_GRANTEE, privileges: ['SELECT'] },
              { securable: table(b.db, HOSTILE_SCHEMA, HOSTILE_TABLE), grantee: R(HOSTILE_ROLE), privileges: ['SELECT'] },
              { securable: { kind: 'schema', segments: [b.db, 'shop'] }, grantee: R(READERS), privileges: ['USAGE'] },
              { securable: { kind: 'database', segments: [b.db] }, grantee: R(READERS), privileges: ['CONNECT'] },
            ],
            defaultGrants: [{ database: b.db, schema: 'shop', owner: 'itpg_owner', objects: 'tables', grantee: R(READERS), privileges: ['SELECT', 'INSERT'] }],
            defaultRoles: [],
          }),
        );
        // Read in canonical order (the planner's diff then has nothing to sort).
        expect([...state.grants].sort(compareGrants)).toEqual(state.grants);
      } finally {
        await session.close();
      }
    });
  });

  describe(`${name}: execute`, () => {
    const READER = `${EX}reader "x"`;

    it('applies a compiled plan; the login role can then SELECT but not INSERT', async () => {
      const b = backend();
      const plan: Plan = {
        connection: CONN,
        operations: [
          { kind: 'createRole', role: R(READER), purpose: 'policy' },
          { kind: 'grant', privileges: ['CONNECT'], securables: [{ kind: 'database', segments: [b.db] }], grantees: [R(READER)] },
          {
            kind: 'grant',
            privileges: ['USAGE'],
            securables: [
              { kind: 'schema', segments: [b.db, 'shop'] },
              { kind: 'schema', segments: [b.db, HOSTILE_SCHEMA] },
            ],
            grantees: [R(READER)],
          },
          { kind: 'grant', privileges: ['SELECT'], securables: [table(b.db, 'shop', 'orders'), table(b.db, HOSTILE_SCHEMA, HOSTILE_TABLE)], grantees: [R(READER)] },
          { kind: 'grantMembership', roles: [READER], members: [R(LOGIN)] },
        ],
      };
      const statements = compile(plan, options(b.db));
      const session = await b.session();
      const seen: string[] = [];
      try {
        const res = await session.execute(statements, { lockKey: CONN, onStatement: (r) => seen.push(r.statement.sql) });
        expect(res.error).toBeUndefined();
        expect(res.results.map((r) => r.ok)).toEqual(statements.map(() => true));
        expect(seen).toEqual(statements.map((s) => s.sql));
      } finally {
        await session.close();
      }
      await b.asRole(LOGIN, async (db) => {
        expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM shop.orders')).rows).toEqual([{ n: 1 }]);
        expect((await db.query(`SELECT * FROM ${q(HOSTILE_SCHEMA)}.${q(HOSTILE_TABLE)}`)).rows).toEqual([]);
        await expect(db.query(`INSERT INTO shop.orders VALUES (2, 1, 'no')`)).rejects.toThrow(/permission denied/);
      });
    });

    it('rolls back a failing chunk, keeps earlier chunks, and stops', async () => {
      const b = backend();
      const [a, c, d, e] = ['a', 'c', 'd', 'e'].map((x) => `${EX}${x}`) as [string, string, string, string];
      const statements = [
        { sql: `CREATE ROLE ${q(a)} NOLOGIN`, database: null, op: 0 },
        { sql: `GRANT SELECT ON TABLE shop.orders TO ${q(a)}`, database: b.db, op: 1 },
        { sql: `CREATE ROLE ${q(c)} NOLOGIN`, database: null, op: 2 },
        { sql: `GRANT SELECT ON TABLE shop.no_such_table TO ${q(c)}`, database: b.db, op: 3 },
        { sql: `CREATE ROLE ${q(d)} NOLOGIN`, database: null, op: 4 },
        { sql: `CREATE ROLE ${q(e)} NOLOGIN`, database: null, op: 5 },
      ];
      const session = await b.session();
      try {
        const res = await session.execute(statements, { lockKey: CONN, chunkSize: 2 });
        expect(res.results.map((r) => [r.statement.op, r.ok])).toEqual([
          [0, true],
          [1, true],
          [2, false],
          [3, false],
        ]);
        expect(res.results[2]!.error).toMatch(/^rolled back: .*does not exist/);
        expect(res.error).toMatch(/operation 3 failed: .*"shop.no_such_table" does not exist/);
      } finally {
        await session.close();
      }
      const { rows } = await b.admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[]) ORDER BY rolname', [[a, c, d, e]]);
      expect(rows.map((r) => r.rolname)).toEqual([a]);
    });
  });

  describe(`${name}: check`, () => {
    it('reports a superuser as able to do everything, with nothing to grant', async () => {
      const b = backend();
      const session = await b.session({ protect: [`${CONN}/${b.db}/shop/*`] });
      try {
        const report = await session.check();
        expect(report.user).toBe('postgres');
        expect(report.serverVersion).toMatch(/^\d+/);
        expect(report.databases).toEqual([b.db]);
        expect(report.sync.every((c) => c.ok)).toBe(true);
        expect(report.enforcement.every((c) => c.ok)).toBe(true);
        expect(report.grantSql).toEqual([]);
      } finally {
        await session.close();
      }
    });
  });
}

describe.skipIf(!pgAvailable)('postgres platform on PostgreSQL', () => {
  let admin: pg.Client;
  const { host, port } = parseUrl(PG_URL);

  async function resetCluster(root: pg.Client): Promise<void> {
    await root.query(`DROP DATABASE IF EXISTS ${q(DB)} WITH (FORCE)`);
    await root.query(`DROP DATABASE IF EXISTS ${q(DB2)} WITH (FORCE)`);
    const { rows } = await root.query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE starts_with(rolname, 'itpg_') OR starts_with(rolname, 'steward_itpg_')`,
    );
    for (const r of rows) await root.query(`DROP ROLE ${q(r.rolname)}`);
  }

  beforeAll(async () => {
    const root = new pg.Client({ connectionString: PG_URL });
    await root.connect();
    try {
      await resetCluster(root);
      await root.query(`CREATE DATABASE ${q(DB)}`);
      await root.query(`CREATE DATABASE ${q(DB2)}`);
    } finally {
      await root.end();
    }
    admin = new pg.Client({ connectionString: pgUrl(DB) });
    await admin.connect();
    await buildFixture(wrap(admin));
  });

  afterAll(async () => {
    await admin?.end();
    const root = new pg.Client({ connectionString: PG_URL });
    await root.connect();
    try {
      await resetCluster(root);
    } finally {
      await root.end();
    }
  });

  scenarios('PostgreSQL', () => ({
    db: DB,
    admin: wrap(admin),
    session: (extra = {}) => postgresPlatform.connect({ name: CONN, type: 'postgres', url: pgUrl(DB), options: options(DB, extra) }),
    async asRole(role, fn) {
      // A real login over TCP with the role's password (trust auth accepts any, fine here).
      const c = new pg.Client({ host, port, user: role, password: PASSWORD, database: DB });
      await c.connect();
      try {
        return await fn(wrap(c));
      } finally {
        await c.end();
      }
    },
  }));

  describe('PostgreSQL only', () => {
    it('opens one connection per database, even for a hostile database name', async () => {
      const other = new pg.Client({ host, port, user: 'postgres', database: DB2 });
      await other.connect();
      try {
        await other.query('CREATE SCHEMA "s2"');
        await other.query('CREATE TABLE "s2"."t2" (id int)');
        await other.query('CREATE ROLE itpg_db2_reader NOLOGIN');
      } finally {
        await other.end();
      }
      // The URL names the `postgres` database: both test databases are reached by name.
      const session = await postgresPlatform.connect({ name: CONN, type: 'postgres', url: pgUrl('postgres'), options: { ...options(DB), databases: [DB, DB2] } });
      try {
        const snap = await session.introspect();
        expect(snap.roots).toEqual([[DB], [DB2]].sort());
        expect(find(snap.objects, DB2, 's2', 't2')).toMatchObject({ kind: 'table', columns: [expect.objectContaining({ name: 'id' })] });
        const statements = compile(
          { connection: CONN, operations: [{ kind: 'grant', privileges: ['SELECT'], securables: [table(DB2, 's2', 't2')], grantees: [R('itpg_db2_reader')] }] },
          options(DB),
        );
        expect(statements).toEqual([{ op: 0, database: DB2, sql: 'GRANT SELECT ON TABLE "s2"."t2" TO "itpg_db2_reader"' }]);
        expect((await session.execute(statements, { lockKey: CONN })).error).toBeUndefined();
        const state = await session.readActualState({
          rolePrefix: 'itpg_db2_',
          principals: [],
          protectedTables: [table(DB2, 's2', 't2')],
          protectedSequences: [],
          containers: [],
          databases: [],
          protectedDatabases: [],
          ignoredGrantees: [],
        });
        expect(normalized(state).grants).toEqual([{ securable: table(DB2, 's2', 't2'), grantee: R('itpg_db2_reader'), privileges: ['SELECT'] }]);
      } finally {
        await session.close();
      }
    });

    it('waits for the advisory lock, then throws locked', async () => {
      const holder = new pg.Client({ connectionString: pgUrl(DB) });
      await holder.connect();
      const clients = await openPgClients(pgUrl(DB), parseUrl(pgUrl(DB)));
      const session = createPostgresSession({ ...clients, clientFor: (d) => clients.clientFor(d), options: options(DB), connectionName: CONN, lockWaitMs: 600 });
      try {
        await holder.query('SELECT pg_advisory_lock($1::bigint)', [advisoryLockKey('itpg-lock')]);
        const started = Date.now();
        const err = await session.execute([{ sql: 'SELECT 1', database: null, op: 0 }], { lockKey: 'itpg-lock' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StewardError);
        expect((err as StewardError).code).toBe('locked');
        expect(Date.now() - started).toBeGreaterThanOrEqual(500);
        await holder.query('SELECT pg_advisory_unlock($1::bigint)', [advisoryLockKey('itpg-lock')]);
        const ok = await session.execute([{ sql: 'SELECT 1', database: null, op: 0 }], { lockKey: 'itpg-lock' });
        expect(ok.results.map((r) => r.ok)).toEqual([true]);
      } finally {
        await session.close();
        await holder.end();
      }
    });

    it.each([
      [`postgres://${LOGIN}:${PASSWORD}@127.0.0.1:1/${DB}`, /^cannot connect to 127\.0\.0\.1:1: connection refused/],
      [pgUrl('steward_it_pg_missing', 'postgres', PASSWORD), /^cannot connect to 127\.0\.0\.1:\d+: database "steward_it_pg_missing" does not exist/],
      [`postgres://${LOGIN}:${PASSWORD}@no-such-host.invalid:5432/${DB}`, /^cannot connect to no-such-host\.invalid:5432: host "no-such-host\.invalid" not found/],
    ])('fails to connect with a one-line reason and hint, never the password (%#)', async (url, message) => {
      const err = await postgresPlatform.connect({ name: CONN, type: 'postgres', url, options: options(DB) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StewardError);
      const e = err as StewardError;
      expect(e.code).toBe('connection_failed');
      expect(e.message).toMatch(message);
      expect(e.hint).toBeTruthy();
      expect(`${e.message} ${e.hint}`).not.toContain(PASSWORD);
    });

    it('rejects a non-postgres URL before connecting', async () => {
      await expect(postgresPlatform.connect({ name: CONN, type: 'postgres', url: 'mysql://u@h/db', options: options(DB) })).rejects.toMatchObject({
        code: 'invalid_input',
      });
    });

    it('check lists what a non-superuser system account lacks, and its grantSql is exactly enough', async () => {
      await admin.query(`CREATE ROLE itpg_system LOGIN PASSWORD '${PASSWORD}'`);
      await admin.query(`REVOKE CONNECT ON DATABASE ${q(DB)} FROM PUBLIC`);
      const protect = [`${CONN}/${DB}/shop/*`, `${CONN}/${DB}/${HOSTILE_SCHEMA.replace(/[\\/*]/g, '\\$&')}/${HOSTILE_TABLE}`];
      const run = async () => {
        const session = await postgresPlatform.connect({
          name: CONN,
          type: 'postgres',
          url: pgUrl('postgres', 'itpg_system', PASSWORD),
          options: options(DB, { protect }),
        });
        try {
          return await session.check();
        } finally {
          await session.close();
        }
      };
      // The script runs in the test database (the only one it names), as psql would run it.
      const apply = async (sql: readonly string[]) => {
        for (const s of sql) if (!s.startsWith('--')) await admin.query(s);
      };

      const first = await run();
      expect(first.user).toBe('itpg_system');
      expect(first.databases).toEqual([]);
      expect(first.enforcement).toContainEqual(expect.objectContaining({ what: 'CREATEROLE', ok: false }));
      expect(first.sync).toContainEqual({ what: `CONNECT on database "${DB}"`, ok: false });
      expect(first.grantSql).toEqual(['ALTER ROLE "itpg_system" CREATEROLE;', `GRANT CONNECT ON DATABASE "${DB}" TO "itpg_system";`]);
      await apply(first.grantSql);

      const second = await run();
      expect(second.databases).toEqual([DB]);
      expect(second.enforcement).toContainEqual({ what: 'CREATEROLE', ok: true, detail: 'CREATEROLE' });
      // Object sync reads pg_catalog: CONNECT is all it needs.
      expect(second.sync).toEqual([{ what: `CONNECT on database "${DB}"`, ok: true }]);
      // What must run in the database comes under a comment naming it, in blocks run as each owner.
      const at = second.grantSql.indexOf(`-- in database "${DB}":`);
      expect(at).toBeGreaterThanOrEqual(0);
      const block = (owner: string): string[] => {
        const from = second.grantSql.indexOf(`SET ROLE ${q(owner)};`);
        expect(from, `a block as ${owner}`).toBeGreaterThan(at);
        return second.grantSql.slice(from + 1, second.grantSql.indexOf('RESET ROLE;', from));
      };
      const asOwner = block('itpg_owner');
      expect(asOwner).toContain('GRANT USAGE ON SCHEMA "shop" TO "itpg_system" WITH GRANT OPTION;');
      const write = asOwner.find((s) => s.startsWith('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLE '))!;
      // Partitions too: Steward grants on them as on their partitioned table.
      for (const t of ['"shop"."orders"', '"shop"."customers"', '"shop"."events"', '"shop"."events_2024"', '"shop"."events_2025"', '"shop"."tickets"']) expect(write).toContain(t);
      expect(asOwner).toContain('GRANT SELECT ON TABLE "shop"."mv_orders", "shop"."order_totals" TO "itpg_system" WITH GRANT OPTION;');
      expect(asOwner).toContain('GRANT USAGE ON SEQUENCE "shop"."tick""et seq", "shop"."tickets_id_seq" TO "itpg_system" WITH GRANT OPTION;');
      // The hostile schema and its protected table belong to the superuser: granted as it, never by membership.
      const asSuperuser = block('postgres');
      expect(asSuperuser).toContain(`GRANT CONNECT ON DATABASE ${q(DB)} TO "itpg_system" WITH GRANT OPTION;`);
      expect(asSuperuser).toContain(`GRANT USAGE ON SCHEMA ${q(HOSTILE_SCHEMA)} TO "itpg_system" WITH GRANT OPTION;`);
      expect(asSuperuser).toContain(`GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLE ${q(HOSTILE_SCHEMA)}.${q(HOSTILE_TABLE)} TO "itpg_system" WITH GRANT OPTION;`);
      expect(second.grantSql.join('\n')).not.toContain(q(PG_HOSTILE_NAMES[1]!));
      expect(second.grantSql.filter((s) => /^GRANT "[^"]+" TO /.test(s))).toEqual([]);
      expect(second.notes?.some((n) => n.startsWith('"itpg_owner" owns protected tables'))).toBe(true);
      await apply(second.grantSql);

      const third = await run();
      expect(third.sync.every((c) => c.ok)).toBe(true);
      expect(third.enforcement.every((c) => c.ok)).toBe(true);
      expect(third.grantSql).toEqual([]);
    });
  });
});

describe('postgres platform on PGlite', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = new PGlite();
    await buildFixture(wrap(db));
  });
  afterAll(async () => {
    await db?.close();
  });

  scenarios('PGlite', () => ({
    db: 'postgres',
    admin: wrap(db),
    session: async (extra = {}) => createPgliteSession(db, { options: options(null, extra), connectionName: CONN }),
    async asRole(role, fn) {
      // PGlite has one connection: drop to the role inside a transaction, then roll back.
      await db.query('BEGIN');
      try {
        await db.query(`SET LOCAL ROLE ${q(role)}`);
        return await fn(wrap(db));
      } finally {
        await db.query('ROLLBACK');
      }
    },
  }));

  it('refuses a database PGlite does not hold', async () => {
    const session = createPgliteSession(db, { options: options(null), connectionName: CONN });
    const err = await session.execute([{ sql: 'SELECT 1', database: 'other', op: 0 }], { lockKey: CONN });
    expect(err.error).toMatch(/PGlite holds only "postgres"/);
  });
});
