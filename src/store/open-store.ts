import { resolve } from 'node:path';
import { openPglite, openPostgres, type Db, type OpenOptions } from './db.js';
import { migrate } from './migrations.js';
import { maybeTraced } from './trace-db.js';

export interface StoreLocation {
  /** `STEWARD_DATABASE_URL`: an external PostgreSQL instead of the embedded store. */
  readonly databaseUrl: string | null;
  /** Data directory (embedded store, master key file); null: in memory (tests). */
  readonly dataDir: string | null;
}

/** Resolve where the store lives from flags and the environment (docs/configuration.md). */
export function storeLocation(flagDataDir?: string, env: NodeJS.ProcessEnv = process.env): StoreLocation {
  const dataDir = resolve(flagDataDir ?? env.STEWARD_DATA_DIR ?? '.steward');
  const url = env.STEWARD_DATABASE_URL;
  return { databaseUrl: url !== undefined && url !== '' ? url : null, dataDir };
}

/**
 * Open the store and bring its schema up to date. The embedded store is locked to this process
 * (`opts.holder` names it to others); PostgreSQL handles concurrency itself.
 */
export async function openStore(loc: StoreLocation, opts: OpenOptions = {}): Promise<Db> {
  const db = maybeTraced(loc.databaseUrl !== null ? await openPostgres(loc.databaseUrl) : await openPglite(loc.dataDir, opts));
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
