/**
 * The three governed databases of the hostile-input suite, behind one small interface: which
 * names each server can hold exactly, how the test (as an admin) creates objects and logins,
 * how a login feels its access, and how everything made is dropped again. On the shared
 * servers every database, login and Steward connection starts with `inp_`.
 */
import { PGlite } from '@electric-sql/pglite';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { PlatformType } from '../../../src/domain/connection.js';
import { quoteIdent as myIdent, quoteString as myString } from '../../../src/platforms/mysql/quote.js';
import { createPgliteSession, postgresPlatform } from '../../../src/platforms/postgres/index.js';
import { quoteIdent as pgIdent } from '../../../src/platforms/postgres/quote.js';
import type { Platform } from '../../../src/platforms/platform.js';
import { PLATFORMS } from '../../../src/platforms/registry.js';
import { MARIADB_URL, mariadbAvailable, pgAvailable, PG_URL } from '../../helpers/databases.js';
import { pgUrl, withPg } from '../../helpers/pg-admin.js';

/** One governed table: its containers below the connection, its name and its one column. */
export interface HostileObject {
  readonly containers: readonly string[];
  readonly table: string;
  readonly column: string;
}

export interface HostileTarget {
  readonly label: string;
  readonly available: boolean;
  readonly connection: string;
  readonly type: PlatformType;
  /** The login for a hostile name: on shared servers behind the `inp_` prefix. */
  login(name: string): string;
  /** The server keeps this name exactly as an object of this kind. */
  holds(kind: 'container' | 'table' | 'column', name: string): boolean;
  /** Containers (below the connection) of the i-th object, named after `name` when possible. */
  containersFor(i: number, name: string): string[];
  /** Start: the platforms to give Steward, the connection's URL and options. */
  start(): Promise<{ platforms: Readonly<Record<PlatformType, Platform>>; url: string; options: Record<string, unknown> }>;
  createObjects(objects: readonly HostileObject[]): Promise<void>;
  createLogins(logins: readonly string[]): Promise<void>;
  /** Run one statement on the database of `o` as `login`: 'ok' or the error message. */
  probe(login: string, sql: string, o: HostileObject): Promise<string>;
  selectSql(o: HostileObject): string;
  insertSql(o: HostileObject): string;
  stop(): Promise<void>;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorable = (s: string): boolean => s.length === 0 || s.includes('\u0000') || LONE_SURROGATE.test(s);

/** PostgreSQL names: at most 63 bytes (longer ones are truncated), no NUL, valid Unicode. */
function pgHolds(kind: 'container' | 'table' | 'column', name: string): boolean {
  if (unstorable(name) || Buffer.byteLength(name) > 63) return false;
  // Schemas: pg_ is reserved, and these two already exist in every database.
  return kind !== 'container' || !(name.startsWith('pg_') || name === 'public' || name === 'information_schema');
}

function pgliteTarget(): HostileTarget {
  let db: PGlite;
  const objectsSql = (o: HostileObject) => `${pgIdent(o.containers[1]!)}.${pgIdent(o.table)}`;
  return {
    label: 'PGlite',
    available: true,
    connection: 'lite',
    type: 'postgres',
    login: (name) => name,
    holds: pgHolds,
    containersFor: (i, name) => ['postgres', pgHolds('container', name) ? name : `s${i}`],
    async start() {
      db = new PGlite();
      const lite: Platform = { ...postgresPlatform, connect: async (spec) => createPgliteSession(db, { options: spec.options, connectionName: spec.name }) };
      return { platforms: { ...PLATFORMS, postgres: lite }, url: 'postgres://postgres@pglite.invalid/postgres', options: { protect: ['lite/postgres'] } };
    },
    async createObjects(objects) {
      for (const o of objects) {
        await db.query(`CREATE SCHEMA IF NOT EXISTS ${pgIdent(o.containers[1]!)}`);
        await db.query(`CREATE TABLE ${objectsSql(o)} (${pgIdent(o.column)} text)`);
      }
    },
    async createLogins(logins) {
      for (const l of logins) await db.query(`CREATE ROLE ${pgIdent(l)} LOGIN`);
    },
    async probe(login, sql) {
      try {
        await db.transaction(async (tx) => {
          await tx.query(`SET LOCAL ROLE ${pgIdent(login)}`);
          await tx.query(sql);
        });
        return 'ok';
      } catch (err) {
        return (err as Error).message;
      }
    },
    selectSql: (o) => `SELECT ${pgIdent(o.column)} FROM ${objectsSql(o)}`,
    insertSql: (o) => `INSERT INTO ${objectsSql(o)} (${pgIdent(o.column)}) VALUES ('v')`,
    async stop() {
      await db?.close();
    },
  };
}

const PG_DB = 'inp_hostile';
const PG_CONN = 'inp_hpg';
/** Every this many names also gets a database of its own, named after it (CONNECT grants, one pool per database). */
const PG_DATABASE_EVERY = 8;

function postgresTarget(): HostileTarget {
  const objectsSql = (o: HostileObject) => `${pgIdent(o.containers[1]!)}.${pgIdent(o.table)}`;
  const databases = new Set<string>([PG_DB]);
  const cleanup = async (): Promise<void> => {
    await withPg(PG_URL, async (c) => {
      const dbs = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, 'inp_')`);
      for (const d of dbs.rows) await c.query(`DROP DATABASE IF EXISTS ${pgIdent(d.datname)} WITH (FORCE)`);
      // Their grants lived in that database; what is left of a role is its memberships.
      const rows = await c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE starts_with(rolname, 'inp_') OR starts_with(rolname, $1)`, [`steward_${PG_CONN}__`]);
      for (const r of rows.rows) await c.query(`DROP ROLE ${pgIdent(r.rolname)}`);
    });
  };
  return {
    label: 'PostgreSQL',
    available: pgAvailable,
    connection: PG_CONN,
    type: 'postgres',
    login: (name) => `inp_${name}`,
    holds: pgHolds,
    containersFor: (i, name) => {
      const own = `inp_${i}_${name}`;
      const database = i % PG_DATABASE_EVERY === 0 ? (pgHolds('container', own) ? own : `inp_${i}`) : PG_DB;
      databases.add(database);
      return [database, pgHolds('container', name) ? name : `s${i}`];
    },
    async start() {
      await cleanup();
      return { platforms: PLATFORMS, url: pgUrl(PG_DB), options: { protect: [`${PG_CONN}/inp_*`] } };
    },
    async createObjects(objects) {
      await withPg(PG_URL, async (c) => {
        for (const d of databases) await c.query(`CREATE DATABASE ${pgIdent(d)}`);
      });
      for (const d of databases) {
        await withPg(pgUrl(d), async (c) => {
          for (const o of objects.filter((x) => x.containers[0] === d)) {
            await c.query(`CREATE SCHEMA IF NOT EXISTS ${pgIdent(o.containers[1]!)}`);
            await c.query(`CREATE TABLE ${objectsSql(o)} (${pgIdent(o.column)} text)`);
          }
        });
      }
    },
    async createLogins(logins) {
      await withPg(PG_URL, async (c) => {
        for (const l of logins) await c.query(`CREATE ROLE ${pgIdent(l)} LOGIN PASSWORD 'pw'`);
      });
    },
    async probe(login, sql, o) {
      const u = new URL(PG_URL);
      const c = new pg.Client({ host: u.hostname, port: Number(u.port || 5432), database: o.containers[0]!, user: login, password: 'pw' });
      try {
        await c.connect();
        await c.query(sql);
        return 'ok';
      } catch (err) {
        return (err as Error).message;
      } finally {
        await c.end().catch(() => undefined);
      }
    },
    selectSql: (o) => `SELECT ${pgIdent(o.column)} FROM ${objectsSql(o)}`,
    insertSql: (o) => `INSERT INTO ${objectsSql(o)} (${pgIdent(o.column)}) VALUES ('v')`,
    stop: cleanup,
  };
}

const MY_CONN = 'inp_hmy';
const NON_BMP = /[\u{10000}-\u{10ffff}]/u;

/** MariaDB names (checked on 10.11): 1–64 characters, in the BMP, no NUL, no trailing space. */
function myHolds(_kind: 'container' | 'table' | 'column', name: string): boolean {
  return !unstorable(name) && [...name].length <= 64 && !NON_BMP.test(name) && !name.endsWith(' ');
}

function mariadbTarget(): HostileTarget {
  const url = new URL(MARIADB_URL);
  const admin = () => mysql.createConnection({ uri: MARIADB_URL, charset: 'utf8mb4' });
  const objectsSql = (o: HostileObject) => `${myIdent(o.containers[0]!)}.${myIdent(o.table)}`;
  const cleanup = async (): Promise<void> => {
    const c = await admin();
    try {
      const [dbs] = await c.query<mysql.RowDataPacket[]>("SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'inp\\_%'");
      for (const d of dbs) await c.query(`DROP DATABASE ${myIdent(d.n as string)}`);
      const [accounts] = await c.query<mysql.RowDataPacket[]>(
        "SELECT User AS u, Host AS h FROM mysql.user WHERE User LIKE 'inp\\_%' OR User LIKE ?", [`steward\\_${MY_CONN.replace(/_/g, '\\_')}\\_\\_%`],
      );
      for (const a of accounts) {
        const host = a.h as string;
        // MariaDB roles have host '' and are dropped by bare name.
        await c.query(host === '' ? `DROP ROLE ${myString(a.u as string)}` : `DROP USER ${myString(a.u as string)}@${myString(host)}`);
      }
    } finally {
      await c.end();
    }
  };
  return {
    label: 'MariaDB',
    available: mariadbAvailable,
    connection: MY_CONN,
    type: 'mariadb',
    login: (name) => `inp_${name}`,
    holds: myHolds,
    containersFor: (i, name) => {
      const db = `inp_${i}_${name}`;
      return [myHolds('container', db) ? db : `inp_${i}`];
    },
    async start() {
      await cleanup();
      return { platforms: PLATFORMS, url: MARIADB_URL, options: { protect: [`${MY_CONN}/inp_*`] } };
    },
    async createObjects(objects) {
      const c = await admin();
      try {
        for (const o of objects) {
          await c.query(`CREATE DATABASE IF NOT EXISTS ${myIdent(o.containers[0]!)}`);
          await c.query(`CREATE TABLE ${objectsSql(o)} (${myIdent(o.column)} text)`);
        }
      } finally {
        await c.end();
      }
    },
    async createLogins(logins) {
      const c = await admin();
      try {
        for (const l of logins) await c.query(`CREATE USER ${myString(l)}@'%' IDENTIFIED BY 'pw'`);
      } finally {
        await c.end();
      }
    },
    async probe(login, sql) {
      let c: mysql.Connection | null = null;
      try {
        c = await mysql.createConnection({ host: url.hostname, port: Number(url.port || 3306), user: login, password: 'pw', charset: 'utf8mb4' });
        await c.query(sql);
        return 'ok';
      } catch (err) {
        return (err as Error).message;
      } finally {
        await c?.end().catch(() => undefined);
      }
    },
    selectSql: (o) => `SELECT ${myIdent(o.column)} FROM ${objectsSql(o)}`,
    insertSql: (o) => `INSERT INTO ${objectsSql(o)} (${myIdent(o.column)}) VALUES ('v')`,
    stop: cleanup,
  };
}

export const HOSTILE_TARGETS: readonly (() => HostileTarget)[] = [pgliteTarget, postgresTarget, mariadbTarget];
