/**
 * Object sync on the real MariaDB as the least-privilege system account (metadata through
 * SHOW DATABASES and REFERENCES, no data privilege): comments, types, views, hostile names.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveredObject } from '../../src/domain/catalog.js';
import { DEFAULT_OPTIONS, type ConnectionOptions } from '../../src/domain/connection.js';
import { decodePath, encodePath } from '../../src/domain/paths.js';
import { quoteIdent, quoteString } from '../../src/platforms/mysql/quote.js';
import type { PlatformSession } from '../../src/platforms/platform.js';
import { MARIADB_URL, mariadbAvailable } from '../helpers/databases.js';
import { dropTestObjects, leastPrivilegeSession } from '../helpers/mariadb-accounts.js';

const DB = 'mdb_in_shop';
const HOSTILE_DB = 'mdb_in_hostile';
const SYSTEM = 'mdb_in_steward';
/**
 * The suite's own role prefix: with the default one, `check` would also propose granting the
 * roles other suites' accounts create meanwhile (`steward_mdbxx__…`), which root may not grant.
 */
const PREFIX = 'steward_mdbin__';
/** Names a catalog must carry through unchanged: quoting, path escaping and unicode. */
const HOSTILE_TABLES = ['we`ird', "it's", 'sp ace', 'ünï©ødé 表', 'a/b', 'st*r', 'back\\slash', 'dq"uote', '?mark'];
const HOSTILE_COLUMNS = ['c`ol', "c'ol", 'c ol', 'çøl 列', 'c/ol', 'c*ol', 'c\\ol'];

const ours = (objects: readonly DiscoveredObject[]): DiscoveredObject[] => objects.filter((o) => o.segments[0] === DB || o.segments[0] === HOSTILE_DB);

describe.skipIf(!mariadbAvailable)('MariaDB introspection', () => {
  let admin: mysql.Connection;
  const session = (options: Partial<ConnectionOptions> = {}): Promise<PlatformSession> =>
    leastPrivilegeSession(admin, { name: 'mdbin', account: SYSTEM, password: 'Sys-pw-in', options: { ...DEFAULT_OPTIONS, rolePrefix: PREFIX, ...options } });

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: MARIADB_URL });
    for (const db of [DB, HOSTILE_DB]) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
    await admin.query(`CREATE DATABASE ${quoteIdent(DB)} COMMENT ${quoteString("shop's data")}`);
    await admin.query(`CREATE DATABASE ${quoteIdent(HOSTILE_DB)}`);
    await admin.query(
      `CREATE TABLE ${quoteIdent(DB)}.${quoteIdent('orders')} (id INT NOT NULL PRIMARY KEY, total DECIMAL(10,2) NULL COMMENT ${quoteString('gross, in €')}, ` +
        `status ENUM('new','paid') NOT NULL DEFAULT 'new') COMMENT ${quoteString("all 'orders'")}`,
    );
    await admin.query(`CREATE VIEW ${quoteIdent(DB)}.${quoteIdent('paid')} AS SELECT id, total FROM ${quoteIdent(DB)}.${quoteIdent('orders')} WHERE status = 'paid'`);
    await admin.query(`CREATE SEQUENCE ${quoteIdent(DB)}.${quoteIdent('seq')}`);
    for (const t of HOSTILE_TABLES) {
      const cols = HOSTILE_COLUMNS.map((c, i) => `${quoteIdent(c)} ${i === 0 ? 'INT NOT NULL' : 'VARCHAR(10)'} COMMENT ${quoteString(`${c} ${t}`)}`);
      await admin.query(`CREATE TABLE ${quoteIdent(HOSTILE_DB)}.${quoteIdent(t)} (${cols.join(', ')}) COMMENT ${quoteString(t)}`);
    }
  });

  afterAll(async () => {
    if (admin) await dropTestObjects(admin, ['mdb\\_in\\_%'], [DB, HOSTILE_DB]);
    await admin?.end();
  });

  it('reads databases, tables, views and columns with types, nullability, positions and comments', async () => {
    const s = await session();
    try {
      const snap = await s.introspect();
      expect(snap.roots).toEqual([[]]);
      const objects = ours(snap.objects).filter((o) => o.segments[0] === DB);
      expect(objects).toEqual([
        { kind: 'database', segments: [DB], owner: null, comment: "shop's data" },
        {
          kind: 'table',
          segments: [DB, 'orders'],
          owner: null,
          comment: "all 'orders'",
          columns: [
            { name: 'id', type: 'int(11)', nullable: false, position: 1, comment: null },
            { name: 'total', type: 'decimal(10,2)', nullable: true, position: 2, comment: 'gross, in €' },
            { name: 'status', type: "enum('new','paid')", nullable: false, position: 3, comment: null },
          ],
        },
        {
          kind: 'view',
          segments: [DB, 'paid'],
          owner: null,
          comment: null,
          columns: [
            { name: 'id', type: 'int(11)', nullable: false, position: 1, comment: null },
            { name: 'total', type: 'decimal(10,2)', nullable: true, position: 2, comment: 'gross, in €' },
          ],
        },
      ]);
      const dbs = snap.objects.filter((o) => o.kind === 'database').map((o) => o.segments[0]);
      for (const sys of ['mysql', 'information_schema', 'performance_schema', 'sys']) expect(dbs).not.toContain(sys);
    } finally {
      await s.close();
    }
  });

  it('round-trips hostile table and column names exactly, through paths too', async () => {
    const s = await session();
    try {
      const tables = ours((await s.introspect()).objects).filter((o) => o.segments[0] === HOSTILE_DB && o.kind === 'table');
      expect(tables.map((t) => t.segments[1]).sort()).toEqual([...HOSTILE_TABLES].sort());
      for (const t of tables) {
        expect(t.comment).toBe(t.segments[1]);
        expect(t.columns?.map((c) => c.name)).toEqual(HOSTILE_COLUMNS);
        expect(t.columns?.map((c) => c.comment)).toEqual(HOSTILE_COLUMNS.map((c) => `${c} ${t.segments[1]}`));
        expect(decodePath(encodePath(['mdbin', ...t.segments]))).toEqual(['mdbin', ...t.segments]);
      }
    } finally {
      await s.close();
    }
  });

  it('limits a crawl to one database or one table, and reports it as the root', async () => {
    const s = await session();
    try {
      const one = await s.introspect({ under: [HOSTILE_DB, 'we`ird'] });
      expect(one.roots).toEqual([[HOSTILE_DB, 'we`ird']]);
      expect(one.objects.map((o) => o.segments)).toEqual([[HOSTILE_DB, 'we`ird']]);
      const db = await s.introspect({ under: [DB] });
      expect(db.roots).toEqual([[DB]]);
      expect(db.objects.map((o) => o.segments)).toEqual([[DB], [DB, 'orders'], [DB, 'paid']]);
      expect((await s.introspect({ under: ['mysql'] })).objects).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('keeps to the databases option', async () => {
    const s = await session({ databases: [DB] });
    try {
      const snap = await s.introspect();
      expect(new Set(snap.objects.map((o) => o.segments[0]))).toEqual(new Set([DB]));
      expect((await s.introspect({ under: [HOSTILE_DB] })).objects).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
