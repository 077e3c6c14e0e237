/**
 * A fresh embedded store without initdb. PGlite creates a data directory by running initdb in a
 * second WebAssembly instance: 2.5 s and ≈800 MB peak RSS, most of a first command's cost. So
 * `npm run build` makes one empty, migrated store (`dist/store-template/`), and a new data
 * directory starts as a copy of it: a few hundred files copied, ≈0.1 s, no second instance.
 * Measured against PGlite's own `loadDataDir` (a tarball unpacked through its virtual file
 * system): 0.9 s and 300 MB gzipped, 0.65 s and 340 MB plain, against 0.4 s and 180 MB for the
 * copy (see docs/benchmarks.md, T9). The template records the PGlite version that made it; any
 * other version falls back to initdb.
 */
import { constants, cpSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tightenTree } from '../security/private-files.js';

/** Where the template lives: the package's `dist/`, whether this runs from dist or from src. */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../dist/store-template/', import.meta.url));
const MARKER = 'steward-template.json';

interface Marker {
  readonly pglite: string;
  readonly migrations: number;
}

/** The installed PGlite's version (its package.json sits next to its dist/). */
export function pgliteVersion(): string {
  const pkg = new URL('../package.json', import.meta.resolve('@electric-sql/pglite'));
  return (JSON.parse(readFileSync(fileURLToPath(pkg), 'utf8')) as { version: string }).version;
}

function usableTemplate(): boolean {
  try {
    const m = JSON.parse(readFileSync(join(TEMPLATE_DIR, MARKER), 'utf8')) as Marker;
    return m.pglite === pgliteVersion() && existsSync(join(TEMPLATE_DIR, 'PG_VERSION'));
  } catch {
    return false;
  }
}

/**
 * Make `storeDir` a copy of the template when it holds no store yet. The copy goes to a sibling
 * directory first and is renamed into place, so a process killed while copying never leaves a
 * half store that would later be opened as a real one. Returns false when there is no usable
 * template (PGlite then runs initdb).
 */
export function seedFromTemplate(storeDir: string): boolean {
  if (existsSync(join(storeDir, 'PG_VERSION'))) return false;
  if (existsSync(storeDir) && readdirSync(storeDir).length > 0) return false;
  if (!usableTemplate()) return false;
  // Leftovers of copies cut short (the caller holds the store lock: no copy is running).
  const parent = dirname(storeDir);
  const base = basename(storeDir);
  for (const f of readdirSync(parent)) if (f.startsWith(`${base}.new-`)) rmSync(join(parent, f), { recursive: true, force: true });
  const tmp = `${storeDir}.new-${process.pid}`;
  try {
    // A reflink where the file system has them (btrfs, XFS, APFS), a plain copy elsewhere. (A
    // parallel copy through the thread pool measured the same wall time on ext4.)
    cpSync(TEMPLATE_DIR, tmp, { recursive: true, mode: constants.COPYFILE_FICLONE, filter: (src) => !src.endsWith(MARKER) });
  } catch {
    // The template was being rebuilt (`npm run build`) under us: create the store the slow way.
    rmSync(tmp, { recursive: true, force: true });
    return false;
  }
  tightenTree(tmp);
  rmSync(storeDir, { recursive: true, force: true });
  renameSync(tmp, storeDir);
  return true;
}

/** Write the marker of a template built at `dir` (called by the build). */
export function markTemplate(dir: string, migrations: number): void {
  const marker: Marker = { pglite: pgliteVersion(), migrations };
  writeFileSync(join(dir, MARKER), `${JSON.stringify(marker)}\n`);
}
