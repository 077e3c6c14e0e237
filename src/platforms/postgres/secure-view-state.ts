import { cmp, compareSegments } from '../../domain/canonical-state.js';
import type { ActualSystem, ProfileKind, ProfileRow, SecureViewActual } from '../../domain/secure-view.js';
import type { Queryable } from './queryable.js';
import { secureViewSql, type ProfileRowRaw, type ViewStateRow } from './secure-views.sql.js';

/**
 * Read what Steward's secure-view objects look like now: for each candidate system container
 * `[db, schema]` that exists, its profile and salt rows and the recorded and rendered digests
 * of the views built there; and which candidate view containers `[db, schema]` exist. One
 * connection per database (`clientFor`).
 */
export async function readSecureViewActual(
  clientFor: (database: string) => Promise<Queryable>,
  candidates: { readonly systems: readonly (readonly string[])[]; readonly containers: readonly (readonly string[])[] },
): Promise<SecureViewActual> {
  const byDb = new Map<string, { systems: string[]; containers: string[] }>();
  const entry = (db: string): { systems: string[]; containers: string[] } => {
    let e = byDb.get(db);
    if (e === undefined) byDb.set(db, (e = { systems: [], containers: [] }));
    return e;
  };
  for (const s of candidates.systems) entry(s[0]!).systems.push(s[1]!);
  for (const c of candidates.containers) entry(c[0]!).containers.push(c[1]!);

  const systems: ActualSystem[] = [];
  const containers: string[][] = [];
  for (const [db, want] of [...byDb.entries()].sort((a, b) => cmp(a[0], b[0]))) {
    const client = await clientFor(db);
    const q = secureViewSql.schemas([...want.systems, ...want.containers]);
    const present = new Set((await client.query<{ name: string }>(q.text, q.values)).rows.map((r) => r.name));
    for (const c of want.containers) if (present.has(c)) containers.push([db, c]);
    for (const schema of want.systems) {
      if (!present.has(schema)) continue;
      const ready = secureViewSql.systemReady(schema);
      const isReady = (await client.query<{ ready: boolean }>(ready.text, ready.values)).rows[0]?.ready === true;
      if (!isReady) {
        systems.push({ segments: [db, schema], ready: false, profile: [], salts: [], views: [] });
        continue;
      }
      const [profile, salts, views] = await Promise.all([
        client.query<ProfileRowRaw>(secureViewSql.profile(schema).text),
        client.query<{ name: string; value: string }>(secureViewSql.salts(schema).text),
        client.query<ViewStateRow>(secureViewSql.views(schema).text),
      ]);
      systems.push({
        segments: [db, schema],
        ready: true,
        profile: profile.rows.map((r): ProfileRow => ({ principal: r.principal, kind: r.kind as ProfileKind, name: r.name, value: r.value })),
        salts: salts.rows.map((r) => ({ name: r.name, value: r.value })),
        views: views.rows.map((r) => ({ view: [db, r.schema_name, r.view_name], desired: r.desired, recorded: r.recorded, rendered: r.rendered })),
      });
    }
  }
  return { systems: systems.sort((a, b) => compareSegments(a.segments, b.segments)), containers: containers.sort(compareSegments) };
}

/**
 * Check regular expressions with PostgreSQL's own engine (patterns bound, never interpolated):
 * JavaScript's syntax differs from PostgreSQL's. Returns the patterns refused, with the server's reason.
 */
export async function checkRegexes(client: Queryable, patterns: readonly string[]): Promise<{ pattern: string; error: string }[]> {
  const out: { pattern: string; error: string }[] = [];
  const q = secureViewSql.regexCheck();
  for (const pattern of [...new Set(patterns)]) {
    try {
      await client.query(q.text, [pattern]);
    } catch (err) {
      out.push({ pattern, error: (err instanceof Error ? err.message : String(err)).split('\n')[0]! });
    }
  }
  return out;
}
