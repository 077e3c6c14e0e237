/**
 * `npm run build` step: make `dist/store-template/`, an empty embedded store with every
 * migration applied, that new data directories start from (see store-template.ts).
 */
import { renameSync, rmSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { MIGRATIONS, migrate } from './migrations.js';
import { markTemplate, TEMPLATE_DIR } from './store-template.js';
import { pgliteDb, startParams } from './db.js';

// Built beside the old one and swapped in: a store being seeded meanwhile copies a whole template or none.
const building = `${TEMPLATE_DIR.replace(/\/$/, '')}.build-${process.pid}`;
rmSync(building, { recursive: true, force: true });
// 1 MB WAL segments instead of 16: the template, copied into every new data directory, is 24 MB instead of 39 (14 MB once template0 and template1 are dropped below).
const pg = new PGlite(building, { startParams: startParams(PGlite.defaultStartParams), initDbStartParams: ['--wal-segsize=1'] });
await pg.waitReady;
const db = pgliteDb(pg);
await migrate(db);
// The store lives in database "postgres"; nothing creates databases in it. Without template0 and
// template1 (7 MB each) the copy every new data directory starts from is 14 MB instead of 29.
await pg.exec("UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')");
await pg.exec('DROP DATABASE template0');
await pg.exec('DROP DATABASE template1');
// Leave the data files complete and the WAL short: the copy starts from a clean checkpoint.
await pg.exec('CHECKPOINT');
await pg.close();
// The server leaves its pid file behind in a directory it was started in; copies must not inherit it.
rmSync(`${building}/postmaster.pid`, { force: true });
markTemplate(building, Math.max(...MIGRATIONS.map((m) => m.version)));
rmSync(TEMPLATE_DIR, { recursive: true, force: true });
renameSync(building, TEMPLATE_DIR);
process.stdout.write(`store template: ${TEMPLATE_DIR}\n`);
