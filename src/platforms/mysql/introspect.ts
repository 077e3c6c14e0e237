import type { CatalogSnapshot, ColumnInfo, DiscoveredObject } from '../../domain/catalog.js';
import { StewardError } from '../../domain/errors.js';
import { columnsQuery, schemataQuery, SYSTEM_DATABASES, tablesQuery, type CatalogFilter } from './catalog.sql.js';
import type { Dialect } from './dialect.js';
import { text, type QueryFn } from './query.js';

/** What introspection needs from the connection. */
export interface IntrospectOptions {
  readonly dialect: Dialect;
  /** The connection's database allow-list; null: all non-system databases. */
  readonly databases: readonly string[] | null;
  /** Subtree below the connection: `[db]` or `[db, table]`; absent or empty: everything. */
  readonly under?: readonly string[];
}

/** `TABLE_TYPE` values that are relations Steward governs; sequences and temporary tables are not. */
const RELATION_TYPES: Readonly<Record<string, 'table' | 'view'>> = {
  'BASE TABLE': 'table',
  // MariaDB system-versioned tables are ordinary tables for access control.
  'SYSTEM VERSIONED': 'table',
  VIEW: 'view',
};

function blankToNull(value: unknown): string | null {
  const s = text(value);
  return s === '' ? null : s;
}

function planFilter(opts: IntrospectOptions): { filter: CatalogFilter; roots: string[][]; withDatabases: boolean } | null {
  const under = opts.under ?? [];
  if (under.length === 0) return { filter: { databases: opts.databases, table: null }, roots: [[]], withDatabases: true };
  if (under.length > 2) {
    throw new StewardError('invalid_input', `under: MySQL paths are database/table, got ${under.length} segments`, {
      hint: 'introspect a database or one table',
    });
  }
  const db = under[0]!;
  // A database outside the sync scope has nothing under it that the catalog should keep.
  if (SYSTEM_DATABASES.includes(db) || (opts.databases !== null && !opts.databases.includes(db))) return null;
  const table = under[1] ?? null;
  return { filter: { databases: [db], table }, roots: [[...under]], withDatabases: table === null };
}

/**
 * Crawl information_schema with one query per object kind (databases, relations, columns) and
 * join them in memory: a few round trips whatever the size of the server, where a query per
 * table would cost thousands. Objects come back sorted by path.
 */
export async function introspect(query: QueryFn, opts: IntrospectOptions): Promise<CatalogSnapshot> {
  const planned = planFilter(opts);
  if (planned === null) return { objects: [], roots: [[...(opts.under ?? [])]] };
  const { filter, roots, withDatabases } = planned;
  const [schemata, tables, columns] = await Promise.all([
    withDatabases ? query(schemataQuery(opts.dialect, filter)) : Promise.resolve([]),
    query(tablesQuery(filter)),
    query(columnsQuery(filter)),
  ]);

  const objects: DiscoveredObject[] = schemata.map((r) => ({
    kind: 'database',
    segments: [text(r.db)],
    owner: null,
    comment: blankToNull(r.comment),
  }));

  // Keyed by JSON of [db, table]: names may hold any character, so no separator is safe.
  const columnsByTable = new Map<string, ColumnInfo[]>();
  const relations: { key: string; db: string; name: string; kind: 'table' | 'view'; comment: string | null }[] = [];
  for (const r of tables) {
    const kind = RELATION_TYPES[text(r.type)];
    if (kind === undefined) continue;
    const db = text(r.db);
    const name = text(r.name);
    const key = JSON.stringify([db, name]);
    // MySQL reports the comment of every view as 'VIEW'; views have no comment of their own.
    relations.push({ key, db, name, kind, comment: kind === 'view' ? null : blankToNull(r.comment) });
    columnsByTable.set(key, []);
  }
  for (const r of columns) {
    const list = columnsByTable.get(JSON.stringify([text(r.db), text(r.tbl)]));
    if (list === undefined) continue;
    list.push({
      name: text(r.name),
      type: text(r.type),
      nullable: text(r.nullable) === 'YES',
      position: Number(r.position),
      comment: blankToNull(r.comment),
    });
  }
  for (const rel of relations) {
    const cols = columnsByTable.get(rel.key)!.sort((a, b) => a.position - b.position);
    objects.push({ kind: rel.kind, segments: [rel.db, rel.name], owner: null, comment: rel.comment, columns: cols });
  }
  objects.sort((a, b) => comparePaths(a.segments, b.segments));
  return { objects, roots };
}

function comparePaths(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
