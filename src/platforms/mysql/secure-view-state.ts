import { cmp, compareSegments } from '../../domain/canonical-state.js';
import type { ActualSystem, ProfileKind, SecureViewActual } from '../../domain/secure-view.js';
import type { Dialect } from './dialect.js';
import { text, type QueryFn } from './query.js';
import { secureViewSql } from './secure-views.sql.js';

/**
 * Read what Steward's secure-view objects look like now: for each candidate system database
 * that exists, its profile and salt rows and the recorded and rendered digests of the views
 * built from it; and which candidate view databases exist.
 */
export async function readSecureViewActual(
  query: QueryFn,
  dialect: Dialect,
  candidates: { readonly systems: readonly (readonly string[])[]; readonly containers: readonly (readonly string[])[] },
): Promise<SecureViewActual> {
  const names = [...new Set([...candidates.systems, ...candidates.containers].map((s) => s[0]!))];
  const present = new Set(names.length === 0 ? [] : (await query(secureViewSql.databases(names))).map((r) => text(r.name)));
  const systems: ActualSystem[] = [];
  for (const s of candidates.systems) {
    const db = s[0]!;
    if (!present.has(db)) continue;
    const ready = Number(text((await query(secureViewSql.systemObjects(db)))[0]?.n)) === 4;
    if (!ready) {
      systems.push({ segments: [db], ready: false, profile: [], salts: [], views: [] });
      continue;
    }
    const profile = await query(secureViewSql.profile(db));
    const salts = await query(secureViewSql.salts(db));
    const views = await query(secureViewSql.views(dialect, db));
    systems.push({
      segments: [db],
      ready: true,
      profile: profile.map((r) => ({ principal: text(r.principal), kind: text(r.kind) as ProfileKind, name: text(r.name), value: text(r.value) })),
      salts: salts.map((r) => ({ name: text(r.name), value: text(r.value) })),
      views: views.map((r) => ({
        view: [text(r.db_name), text(r.view_name)],
        desired: text(r.desired),
        recorded: r.recorded === null ? null : text(r.recorded),
        rendered: r.rendered === null ? null : text(r.rendered),
      })),
    });
  }
  return {
    systems: systems.sort((a, b) => compareSegments(a.segments, b.segments)),
    containers: candidates.containers.filter((c) => present.has(c[0]!)).map((c) => [...c]).sort((a, b) => cmp(a[0]!, b[0]!)),
  };
}

/**
 * Check regular expressions with the server's own engine (PCRE2 on MariaDB, ICU on MySQL 8):
 * JavaScript's syntax differs from both. Returns the patterns refused, with the server's reason.
 */
export async function checkRegexes(query: QueryFn, patterns: readonly string[]): Promise<{ pattern: string; error: string }[]> {
  const out: { pattern: string; error: string }[] = [];
  for (const pattern of [...new Set(patterns)]) {
    try {
      await query(secureViewSql.regexCheck(pattern));
    } catch (err) {
      out.push({ pattern, error: (err instanceof Error ? err.message : String(err)).split('\n')[0]! });
    }
  }
  return out;
}
