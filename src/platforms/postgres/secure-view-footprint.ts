import { cmp, compareSegments } from '../../domain/canonical-state.js';
import type { SecureViewFootprint, SecureViewObject } from '../../domain/secure-view.js';
import type { Queryable } from './queryable.js';

/** Steward's own tables and view in a system schema (`setupSystem`). */
const SYSTEM_OBJECTS = new Set(['profile', 'salt', 'views', 'user_profile']);

interface SchemaRow {
  readonly name: string;
  readonly ours: boolean;
}
interface ObjectRow {
  readonly schema: string;
  readonly name: string;
  readonly kind: string;
  readonly ours: boolean;
}

/**
 * What Steward made for data policies in each database, for a teardown. On PostgreSQL whatever
 * the view-owner role owns is Steward's (nobody else acts as it): its views, the schemas it owns
 * (view schemas created by Steward, the system schema). A schema is removable only when it holds
 * nothing but Steward's objects; one that holds anything else (a table or view someone made
 * there) is left, with the reason — and so, then, is the role that owns it.
 */
export async function readSecureViewFootprint(
  clientFor: (database: string) => Promise<Queryable>,
  where: { readonly systems: readonly (readonly string[])[]; readonly owner: string },
): Promise<SecureViewFootprint> {
  const views: SecureViewObject[] = [];
  const containers: SecureViewObject[] = [];
  const systems: SecureViewObject[] = [];
  for (const sys of [...where.systems].sort(compareSegments)) {
    const [db, system] = sys as [string, string];
    const client = await clientFor(db);
    const schemas = (
      await client.query<SchemaRow>(
        `SELECT n.nspname::text AS name, n.nspowner = r.oid AS ours
FROM pg_catalog.pg_namespace n, pg_catalog.pg_roles r
WHERE r.rolname = $1::text AND (n.nspowner = r.oid OR n.nspname = $2::text)`,
        [where.owner, system],
      )
    ).rows;
    if (schemas.length === 0) continue;
    // Relations (of any kind but indexes and TOAST, which follow their table) and functions
    // owned by the role, or living in a schema it owns.
    const objects = (
      await client.query<ObjectRow>(
        `SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS kind, c.relowner = r.oid AS ours
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace, pg_catalog.pg_roles r
WHERE r.rolname = $1::text AND c.relkind NOT IN ('i', 'I', 't') AND (c.relowner = r.oid OR n.nspowner = r.oid OR n.nspname = $2::text)
UNION ALL
SELECT n.nspname::text, p.proname::text, 'function', p.proowner = r.oid
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace, pg_catalog.pg_roles r
WHERE r.rolname = $1::text AND (n.nspowner = r.oid OR n.nspname = $2::text)`,
        [where.owner, system],
      )
    ).rows;
    const systemRow = schemas.find((s) => s.name === system);
    const systemReady = systemRow?.ours === true && objects.some((o) => o.schema === system && o.name === 'views' && o.ours);
    const foreignIn = (schema: string, isOurs: (o: ObjectRow) => boolean): string[] =>
      objects.filter((o) => o.schema === schema && !isOurs(o)).map((o) => o.name).sort(cmp);
    for (const o of objects) {
      if (o.ours && o.kind === 'v' && o.schema !== system) views.push({ kind: 'view', segments: [db, o.schema, o.name], system: systemReady ? [db, system] : null, removable: true });
    }
    for (const s of schemas) {
      if (s.name === system) {
        if (!s.ours) {
          // Not made by Steward: its tables (if Steward's) go with the system, the schema stays.
          const owned = objects.some((o) => o.schema === system && o.ours);
          systems.push({ kind: 'system', segments: [db, system], removable: false, reason: `not owned by ${where.owner}: made by someone else`, ...(owned ? { keepsOwner: true } : {}) });
          continue;
        }
        const foreign = foreignIn(system, (o) => o.ours && SYSTEM_OBJECTS.has(o.name));
        systems.push({ kind: 'system', segments: [db, system], removable: foreign.length === 0, ...(foreign.length > 0 ? { reason: reasonOf(foreign), keepsOwner: true } : {}) });
        continue;
      }
      const foreign = foreignIn(s.name, (o) => o.ours && o.kind === 'v');
      containers.push({ kind: 'viewContainer', segments: [db, s.name], removable: foreign.length === 0, ...(foreign.length > 0 ? { reason: reasonOf(foreign), keepsOwner: true } : {}) });
    }
  }
  const bySegments = (a: SecureViewObject, b: SecureViewObject): number => compareSegments(a.segments, b.segments);
  return { objects: [...views.sort(bySegments), ...containers.sort(bySegments), ...systems.sort(bySegments)] };
}

function reasonOf(foreign: readonly string[]): string {
  const shown = foreign.slice(0, 3).map((n) => `"${n}"`).join(', ');
  return `holds objects Steward did not make: ${shown}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''}`;
}
