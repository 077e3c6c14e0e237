import { notFound, invalidInput } from '../domain/errors.js';
import { decodePath, encodePath } from '../domain/paths.js';
import type { Db } from '../store/db.js';
import { connectionsRepo } from '../store/connections-repo.js';
import { objectsRepo, type StoredObject } from '../store/objects-repo.js';
import { tagsRepo } from '../store/tags-repo.js';

/** An object as shown to users: full path, and for columns their type and position. */
export interface ObjectView {
  readonly path: string;
  readonly name: string;
  readonly kind: string;
  readonly owner?: string | null;
  readonly comment?: string | null;
  readonly type?: string;
  readonly nullable?: boolean;
  readonly position?: number;
  readonly columns?: number;
  readonly tags?: readonly string[];
  readonly firstSeenAt?: string;
  readonly changedAt?: string;
  readonly removedAt?: string | null;
}

export interface BrowseResult {
  readonly object: ObjectView | null;
  readonly children: readonly ObjectView[];
  /** Pass as `after` to get the next page; null at the end. */
  readonly next: string | null;
}

function objectView(connection: string, o: StoredObject, tags: readonly string[]): ObjectView {
  return {
    path: `${connection}/${o.path}`,
    name: o.name,
    kind: o.kind,
    owner: o.owner,
    comment: o.comment,
    ...(o.columns ? { columns: o.columns.filter((c) => c.removedAt === undefined).length } : {}),
    tags,
    firstSeenAt: new Date(o.firstSeenAt).toISOString(),
    changedAt: new Date(o.changedAt).toISOString(),
    removedAt: o.removedAt ? new Date(o.removedAt).toISOString() : null,
  };
}

/** Browsing the synced catalog as a tree, with paging and name search. */
export function createCatalogService(deps: { db: Db }) {
  const { db } = deps;

  async function tagsFor(connection: string): Promise<Map<string, string[]>> {
    const m = new Map<string, string[]>();
    for (const t of await tagsRepo.list(db, connection)) {
      const l = m.get(t.path);
      if (l) l.push(t.tag);
      else m.set(t.path, [t.tag]);
    }
    return m;
  }

  return {
    async browse(path: string | null, opts: { limit?: number; after?: string | null; includeRemoved?: boolean } = {}): Promise<BrowseResult> {
      const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
      if (path === null || path === '') {
        const conns = await connectionsRepo.list(db);
        const children = conns.filter((c) => opts.after == null || c.name > opts.after).slice(0, limit);
        return {
          object: null,
          children: children.map((c) => ({ path: c.name, name: c.name, kind: 'connection', comment: c.type })),
          next: children.length === limit ? children[children.length - 1]!.name : null,
        };
      }
      let segs: string[];
      try {
        segs = decodePath(path);
      } catch (err) {
        throw invalidInput('path', (err as Error).message, 'escape "/", "*" and "\\" inside names with a backslash');
      }
      const [connection, ...rest] = segs as [string, ...string[]];
      const conn = await connectionsRepo.get(db, connection);
      if (!conn) throw notFound('connection', connection, 'list connections with: steward connection list');
      const tags = await tagsFor(connection);
      const own = rest.length > 0 ? encodePath(rest) : '';
      let object: ObjectView | null = { path: connection, name: connection, kind: 'connection', comment: conn.type };
      if (rest.length > 0) {
        const o = await objectsRepo.get(db, connection, own);
        if (!o) {
          // Not an object: maybe a column of a relation.
          const parent = await objectsRepo.get(db, connection, encodePath(rest.slice(0, -1)));
          const col = parent?.columns?.find((c) => c.name === rest[rest.length - 1]);
          if (!parent || !col) throw notFound('object', path, 'browse from the connection down with: steward catalog CONNECTION');
          return {
            object: {
              path, name: col.name, kind: 'column', type: col.type, nullable: col.nullable, position: col.position,
              comment: col.comment, tags: tags.get(`${parent.path}/${encodePath([col.name])}`) ?? [], removedAt: col.removedAt ?? null,
            },
            children: [],
            next: null,
          };
        }
        object = objectView(connection, o, tags.get(o.path) ?? []);
        if (o.columns) {
          const cols = o.columns
            .filter((c) => (opts.includeRemoved ?? false) || c.removedAt === undefined)
            .sort((a, b) => a.position - b.position);
          return {
            object,
            children: cols.map((c) => ({
              path: `${connection}/${o.path}/${encodePath([c.name])}`, name: c.name, kind: 'column', type: c.type,
              nullable: c.nullable, position: c.position, comment: c.comment,
              tags: tags.get(`${o.path}/${encodePath([c.name])}`) ?? [], removedAt: c.removedAt ?? null,
            })),
            next: null,
          };
        }
      }
      const children = await objectsRepo.children(db, connection, own, {
        limit,
        after: opts.after ?? null,
        includeRemoved: opts.includeRemoved ?? false,
      });
      return {
        object,
        children: children.map((c) => objectView(connection, c, tags.get(c.path) ?? [])),
        next: children.length === limit ? children[children.length - 1]!.name : null,
      };
    },

    /**
     * Objects and columns whose name contains `text` (case-insensitive), ordered by connection,
     * depth and path, at most `limit` of them.
     */
    async search(text: string, opts: { connection?: string; limit?: number } = {}): Promise<ObjectView[]> {
      if (text.length === 0) throw invalidInput('q', 'search text is empty', 'pass part of an object or column name');
      const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
      const connection = opts.connection ?? null;
      const objects = await objectsRepo.search(db, connection, text, { limit });
      const needle = text.toLowerCase();
      const columns: { view: ObjectView; depth: number }[] = [];
      // Candidate relations come in path order; a relation may hold several matching columns.
      for (const o of await objectsRepo.withColumnText(db, connection, text, { limit })) {
        const matching = (o.columns ?? [])
          .filter((c) => c.removedAt === undefined && c.name.toLowerCase().includes(needle))
          .sort((a, b) => a.position - b.position);
        for (const c of matching) {
          columns.push({
            depth: o.depth + 1,
            view: {
              path: `${o.connection}/${o.path}/${encodePath([c.name])}`, name: c.name, kind: 'column', type: c.type,
              nullable: c.nullable, position: c.position, comment: c.comment, tags: [], removedAt: null,
            },
          });
        }
        if (columns.length >= limit) break;
      }
      const all = [...objects.map((o) => ({ view: objectView(o.connection, o, []), depth: o.depth })), ...columns];
      const conn = (v: ObjectView): string => v.path.slice(0, v.path.indexOf('/') < 0 ? v.path.length : v.path.indexOf('/'));
      all.sort((a, b) => conn(a.view).localeCompare(conn(b.view)) || a.depth - b.depth || (a.view.path < b.view.path ? -1 : a.view.path > b.view.path ? 1 : 0));
      return all.slice(0, limit).map((x) => x.view);
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
