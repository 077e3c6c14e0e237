/**
 * A new data directory starts as a copy of the build's store template (`npm run build` makes
 * `dist/store-template/`). The copy must open as a complete, migrated store, hold only the
 * store's own database (template0 and template1 are dropped to halve the copy), and take writes.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/store/db.js';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { seedFromTemplate, TEMPLATE_DIR } from '../../src/store/store-template.js';

const root = mkdtempSync(join(tmpdir(), 'steward-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const built = existsSync(join(TEMPLATE_DIR, 'PG_VERSION'));
if (!built) {
  const msg = `SKIPPING store-template tests: no template at ${TEMPLATE_DIR} (run npm run build)`;
  if (process.env.CI === 'true') throw new Error(msg);
  console.warn(`\n*** ${msg} ***\n`);
}

/** Every entry under a directory (relative path, size of files, permission bits), sorted by path. */
function listing(dir: string, prefix = ''): { path: string; size: number; mode: number }[] {
  const out: { path: string; size: number; mode: number }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const st = statSync(p);
    out.push({ path: prefix + e.name, size: e.isDirectory() ? 0 : st.size, mode: st.mode & 0o777 });
    if (e.isDirectory()) out.push(...listing(p, `${prefix}${e.name}/`));
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Bytes under a directory. */
function sizeOf(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? sizeOf(p) : statSync(p).size;
  }
  return total;
}

describe.skipIf(!built)('the store template', () => {
  it('holds only the store database and is small', () => {
    // base/ has one directory per database: the store's own ("postgres") only.
    expect(readdirSync(join(TEMPLATE_DIR, 'base'))).toHaveLength(1);
    expect(sizeOf(TEMPLATE_DIR)).toBeLessThan(20 * 1024 * 1024);
  });

  it('seeds a data directory that opens migrated and takes writes', async () => {
    const dataDir = join(root, 'd1');
    mkdirSync(dataDir, { mode: 0o700 });
    expect(seedFromTemplate(join(dataDir, 'store'))).toBe(true);
    // Every file and directory of the template, byte for byte in size, the marker left out; private modes.
    const template = listing(TEMPLATE_DIR).filter((e) => e.path !== 'steward-template.json');
    const seeded = listing(join(dataDir, 'store'));
    expect(seeded.map(({ path, size }) => ({ path, size }))).toEqual(template.map(({ path, size }) => ({ path, size })));
    expect(seeded.filter((e) => e.mode !== 0o600 && e.mode !== 0o700)).toEqual([]);
    expect(seeded.length).toBeGreaterThan(100);
    const db = await openPglite(dataDir);
    try {
      const rows = await db.query<{ db: string; dbs: string[]; version: number }>(
        'SELECT current_database() AS db, (SELECT array_agg(datname::text) FROM pg_database) AS dbs, (SELECT max(version) FROM schema_migrations) AS version',
      );
      expect(rows[0]).toEqual({ db: 'postgres', dbs: ['postgres'], version: Math.max(...MIGRATIONS.map((m) => m.version)) });
      expect(await migrate(db)).toBe(0);
      await db.query("INSERT INTO groups (name, source) VALUES ('template_probe', 'api')");
      expect(await db.query<{ n: string }>("SELECT count(*)::text AS n FROM groups WHERE name = 'template_probe'")).toEqual([{ n: '1' }]);
    } finally {
      await db.close();
    }
    // Reopened: what was written is there, and a second seed leaves the store alone.
    expect(seedFromTemplate(join(dataDir, 'store'))).toBe(false);
    const again = await openPglite(dataDir);
    try {
      expect(await again.query<{ n: string }>("SELECT count(*)::text AS n FROM groups WHERE name = 'template_probe'")).toEqual([{ n: '1' }]);
    } finally {
      await again.close();
    }
  });
});
