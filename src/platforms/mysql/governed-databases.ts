import { compileGlob, type Glob } from '../../domain/glob.js';
import { SYSTEM_DATABASES } from './catalog.sql.js';

function compileGlobs(sources: readonly string[]): Glob[] {
  const out: Glob[] = [];
  for (const source of sources) {
    try {
      out.push(compileGlob(source));
    } catch {
      // A malformed glob is reported by configuration validation, not by the privilege check.
    }
  }
  return out;
}

/**
 * Whether a glob can match `prefix` or anything below it: a glob naming one table of a database
 * makes that database governed, which `globCovers` (ancestors only) does not tell.
 */
function reaches(segs: Glob['segments'], gi: number, prefix: readonly string[], pi: number): boolean {
  // Glob used up: it matched an ancestor, which covers everything below. Prefix used up: the
  // rest of the glob can match a descendant.
  if (gi === segs.length || pi === prefix.length) return true;
  const seg = segs[gi]!;
  if (seg.kind === 'any-depth') return true;
  const name = prefix[pi]!;
  if (!(seg.literal !== null ? seg.literal === name : seg.re.test(name))) return false;
  return reaches(segs, gi + 1, prefix, pi + 1);
}

/**
 * Databases where Steward will grant, so where the system account needs the data privileges
 * WITH GRANT OPTION: those a protect glob of the connection reaches, among the visible ones and
 * those named outright (in `databases`, or as a literal in a glob) — an account without
 * SHOW DATABASES sees none, yet still needs the grants there.
 */
export function governedDatabases(
  connection: string,
  protect: readonly string[],
  visible: readonly string[],
  configured: readonly string[] | null,
): string[] {
  const globs = compileGlobs(protect);
  const named = globs.flatMap((g) => {
    const [conn, db] = g.segments;
    return conn?.kind === 'segment' && conn.literal === connection && db?.kind === 'segment' && db.literal !== null ? [db.literal] : [];
  });
  return [...new Set([...visible, ...(configured ?? []), ...named])].filter(
    (db) =>
      !SYSTEM_DATABASES.includes(db) &&
      (configured === null || configured.includes(db)) &&
      globs.some((g) => reaches(g.segments, 0, [connection, db], 0)),
  );
}
