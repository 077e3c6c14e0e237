import { cmp } from '../../domain/canonical-state.js';
import type { SecureViewFootprint, SecureViewObject } from '../../domain/secure-view.js';
import { placeholders, text, type QueryFn } from './query.js';
import { quoteIdent } from './quote.js';

/** Steward's own tables and view in the system database (`setupSystem`). */
const SYSTEM_OBJECTS = new Set(['profile', 'salt', 'views', 'user_profile']);

/**
 * What Steward made for data policies on a MySQL/MariaDB connection, for a teardown: the views
 * whose definer is the view-owner role (or that the system database records), in the candidate
 * view databases; those of them holding at least one such view, removable when they hold
 * nothing else (no table, view, routine, trigger or event of anyone else) — a database named
 * like a view database without any of Steward's views is never touched; the system database, removable when it holds only
 * Steward's four objects. MySQL records no owner of a database: one holding only Steward's
 * views is one Steward made (or an empty one), and nothing is lost by dropping it. The account
 * sees every object of these databases through its database-level privileges there.
 */
export async function readSecureViewFootprint(
  query: QueryFn,
  where: { readonly system: string; readonly containers: readonly string[]; readonly owner: string },
): Promise<SecureViewFootprint> {
  const names = [...new Set([where.system, ...where.containers])];
  const present = new Set((await query({ sql: `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (${placeholders(names.length)})`, values: names })).map((r) => text(r.name)));
  if (present.size === 0) return { objects: [] };
  const recorded = new Set<string>();
  const systemTables = present.has(where.system)
    ? (await query({ sql: 'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', values: [where.system] })).map((r) => text(r.name))
    : [];
  const systemReady = systemTables.includes('views');
  if (systemReady) {
    for (const r of await query({ sql: `SELECT db_name, view_name FROM ${quoteIdent(where.system)}.${quoteIdent('views')}`, values: [] })) {
      recorded.add(`${text(r.db_name)}\u0000${text(r.view_name)}`);
      if (!present.has(text(r.db_name))) {
        // A view database named by an earlier `views.database` template: look there too.
        const more = await query({ sql: 'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', values: [text(r.db_name)] });
        if (more.length > 0) {
          present.add(text(r.db_name));
          names.push(text(r.db_name));
        }
      }
    }
  }
  const containers = names.filter((n) => n !== where.system && present.has(n)).sort(cmp);
  const definers = new Set([where.owner, `${where.owner}@`, `${where.owner}@%`]);
  const views: SecureViewObject[] = [];
  const dbs: SecureViewObject[] = [];
  for (const db of containers) {
    const tables = await query({
      sql: 'SELECT t.TABLE_NAME AS name, t.TABLE_TYPE AS type, v.DEFINER AS definer FROM information_schema.TABLES AS t LEFT JOIN information_schema.VIEWS AS v ON v.TABLE_SCHEMA = t.TABLE_SCHEMA AND v.TABLE_NAME = t.TABLE_NAME WHERE t.TABLE_SCHEMA = ?',
      values: [db],
    });
    const foreign: string[] = [];
    const mine: SecureViewObject[] = [];
    for (const t of tables) {
      const name = text(t.name);
      const ours = text(t.type) === 'VIEW' && (recorded.has(`${db}\u0000${name}`) || definers.has(text(t.definer)));
      if (ours) mine.push({ kind: 'view', segments: [db, name], system: systemReady ? [where.system] : null, removable: true });
      else foreign.push(name);
    }
    // A database named like a view database but holding no view of Steward's is someone else's.
    if (mine.length === 0) continue;
    views.push(...mine);
    foreign.push(...(await otherObjects(query, db)));
    dbs.push({ kind: 'viewContainer', segments: [db], removable: foreign.length === 0, ...(foreign.length > 0 ? { reason: reasonOf(foreign) } : {}) });
  }
  const systems: SecureViewObject[] = [];
  if (present.has(where.system)) {
    const foreign = [...systemTables.filter((t) => !SYSTEM_OBJECTS.has(t)), ...(await otherObjects(query, where.system))];
    systems.push({ kind: 'system', segments: [where.system], removable: foreign.length === 0, ...(foreign.length > 0 ? { reason: reasonOf(foreign) } : {}) });
  }
  views.sort((a, b) => cmp(a.segments.join('\u0000'), b.segments.join('\u0000')));
  return { objects: [...views, ...dbs, ...systems] };
}

/** Routines, triggers and events in a database: never Steward's. */
async function otherObjects(query: QueryFn, db: string): Promise<string[]> {
  const rows = await query({
    sql: `SELECT ROUTINE_NAME AS name FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
UNION ALL SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
UNION ALL SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?`,
    values: [db, db, db],
  });
  return rows.map((r) => text(r.name)).sort(cmp);
}

function reasonOf(foreign: readonly string[]): string {
  const sorted = [...foreign].sort(cmp);
  const shown = sorted.slice(0, 3).map((n) => `"${n}"`).join(', ');
  return `holds objects Steward did not make: ${shown}${sorted.length > 3 ? ` and ${sorted.length - 3} more` : ''}`;
}
