/**
 * The metadata store backends every store-level test runs against: embedded PGlite in memory,
 * and a fresh database on the real PostgreSQL (skipped loudly outside CI when it is down).
 */
import pg from 'pg';
import { openPglite, openPostgres, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';
import { PG_URL, pgAvailable } from './databases.js';

export interface StoreBackend {
  readonly name: 'pglite' | 'postgres';
  readonly available: boolean;
  /** A new, migrated, empty store. */
  open(): Promise<Db>;
}

async function freshPgDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

let counter = 0;

/** Drop the databases made by `open()` for the postgres backend (call in afterAll). */
export async function dropTestStores(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    const rows = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'steward\\_it\\_store\\_${process.pid}\\_%'`);
    for (const r of rows.rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export const STORE_BACKENDS: readonly StoreBackend[] = [
  {
    name: 'pglite',
    available: true,
    async open() {
      const db = await openPglite(null);
      await migrate(db);
      return db;
    },
  },
  {
    name: 'postgres',
    available: pgAvailable,
    async open() {
      const url = await freshPgDatabase(`steward_it_store_${process.pid}_${counter++}`);
      const db = await openPostgres(url);
      await migrate(db);
      return db;
    },
  },
];
