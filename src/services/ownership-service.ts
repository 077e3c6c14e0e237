import { invalidInput, notFound } from '../domain/errors.js';
import { decodePath, encodePath } from '../domain/paths.js';
import type { Db } from '../store/db.js';
import { ownersRepo } from '../store/owners-repo.js';
import type { AuditService } from './audit-service.js';

/** A user's ownership of a data-source subtree, as shown: the full path, connection first. */
export interface Ownership {
  readonly user: string;
  readonly path: string;
}

function split(fullPath: string): { connection: string; rest: string[] } {
  let segs: string[];
  try {
    segs = decodePath(fullPath);
  } catch (err) {
    throw invalidInput('path', (err as Error).message, 'write connection[/database[/schema[/table]]]; escape "/", "*" and "\\" in names with a backslash');
  }
  return { connection: segs[0]!, rest: segs.slice(1) };
}

const isPrefix = (prefix: readonly string[], of: readonly string[]): boolean => prefix.length <= of.length && prefix.every((s, i) => s === of[i]);

/**
 * Data owners: a user owns a subtree of the catalog (a connection, database, schema or table)
 * and with an `owner` token may tag what lies in it. Kept deliberately small: ownership is by
 * path prefix, nothing is inherited from groups.
 */
export function createOwnershipService(deps: { db: Db; audit: AuditService }) {
  const { db, audit } = deps;
  return {
    async list(filter: { user?: string } = {}): Promise<Ownership[]> {
      const rows = await ownersRepo.list(db, filter);
      return rows.map((r) => ({ user: r.user, path: encodePath([r.connection, ...(r.path === '' ? [] : decodePath(r.path))]) }));
    },

    async add(user: string, fullPath: string, actor: string): Promise<void> {
      const { connection, rest } = split(fullPath);
      await db.transaction(async (tx) => {
        if ((await tx.query('SELECT 1 FROM users WHERE name = $1', [user])).length === 0) throw notFound('user', user, 'create the user first: steward user put NAME');
        if ((await tx.query('SELECT 1 FROM connections WHERE name = $1', [connection])).length === 0) {
          throw notFound('connection', connection, 'a path starts with a registered connection: steward connection list');
        }
        const added = await ownersRepo.add(tx, { user, connection, path: encodePath(rest) });
        if (!added) return;
        await audit.record(tx, {
          actor, action: 'owner.add', connection, target: `owner:${user}@${fullPath}`, outcome: 'ok', summary: `${user} owns ${fullPath}`,
          before: null, after: { user, path: fullPath },
        });
      });
    },

    async remove(user: string, fullPath: string, actor: string): Promise<void> {
      const { connection, rest } = split(fullPath);
      await db.transaction(async (tx) => {
        if (!(await ownersRepo.remove(tx, { user, connection, path: encodePath(rest) }))) throw notFound('ownership', `${user} of ${fullPath}`, 'list owners with: steward owner list');
        await audit.record(tx, {
          actor, action: 'owner.remove', connection, target: `owner:${user}@${fullPath}`, outcome: 'ok', summary: `${user} no longer owns ${fullPath}`,
          before: { user, path: fullPath }, after: null,
        });
      });
    },

    /** Whether `user` owns `fullPath` (it lies in a subtree they own). */
    async owns(user: string, fullPath: string): Promise<boolean> {
      const { connection, rest } = split(fullPath);
      const rows = await ownersRepo.list(db, { user, connection });
      return rows.some((r) => isPrefix(r.path === '' ? [] : decodePath(r.path), rest));
    },
  };
}

export type OwnershipService = ReturnType<typeof createOwnershipService>;
