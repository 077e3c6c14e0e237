import type { CatalogSnapshot, DiscoveredObject } from '../domain/catalog.js';
import { notFound, redactSecrets, toStewardError } from '../domain/errors.js';
import { encodePath } from '../domain/paths.js';
import type { Db, Executor } from '../store/db.js';
import { objectsRepo, type ObjectWrite, type StoredColumn } from '../store/objects-repo.js';
import { encodeColumns } from '../domain/column-list.js';
import { statusRepo } from '../store/status-repo.js';
import type { PlatformSession } from '../platforms/platform.js';
import { columnKey, columnsTextOf, fingerprintOf, isCurrentForm, sameFingerprint } from './fingerprint.js';

/** New objects are written this many at a time while the crawl is compared. */
const INSERT_SLICE = 10_000;

export interface SyncChange {
  /** Full path, starting with the connection name. */
  readonly path: string;
  readonly kind: string;
}

export interface SyncReport {
  readonly connection: string;
  readonly added: readonly SyncChange[];
  readonly changed: readonly SyncChange[];
  readonly removed: readonly SyncChange[];
  /** Live objects seen in this run (columns not counted). */
  readonly objects: number;
  readonly ms: number;
}

/**
 * Object sync: crawl one connection (or a subtree of it) and bring the stored catalog in line.
 * New objects are inserted, changed ones updated, vanished ones kept and marked removed.
 * Columns live on their relation; on a relation that changed, column-level changes are
 * reported by path (a new relation's columns come with it and are not listed).
 */
export function createSyncService(deps: { db: Db; now?: () => Date }) {
  const { db } = deps;

  async function sync(connection: string, session: PlatformSession, under?: readonly string[]): Promise<SyncReport> {
    const started = performance.now();
    const opts = under && under.length > 0 ? { under } : {};
    if (session.introspectSlices) {
      // Each slice is compared and stored while the platform reads the next one; the store's
      // transaction spans the crawl, so a crawl that fails stores nothing.
      const crawl = session.introspectSlices.bind(session);
      return succeeded(connection, () =>
        db.transaction(async (tx) => {
          const run = await beginRun(tx, connection, rootsOf(under, null), { byDigest: true });
          await crawl({ ...opts, ...(run.known ? { known: run.known } : {}) }, (slice, unchanged) => run.add(slice, unchanged));
          return run.finish(started);
        }),
      );
    }
    let snapshot: CatalogSnapshot;
    try {
      snapshot = await session.introspect(opts);
    } catch (err) {
      await recordFailure(connection, err);
      throw err;
    }
    return syncSnapshot(connection, snapshot, under, started);
  }

  /**
   * The subtrees a sync owns. A full sync owns the whole connection: a database that vanished
   * (or left the configured list) is marked removed too, whatever roots the platform reports.
   */
  function rootsOf(under: readonly string[] | undefined, snapshot: CatalogSnapshot | null): readonly (readonly string[])[] {
    if (!under || under.length === 0) return [[]];
    return snapshot?.roots ?? [under];
  }

  /** Record the outcome of a sync in the connection's status. */
  async function succeeded(connection: string, run: () => Promise<SyncReport>): Promise<SyncReport> {
    try {
      const report = await run();
      await statusRepo.syncSucceeded(db, connection, {
        added: report.added.length,
        changed: report.changed.length,
        removed: report.removed.length,
        objects: report.objects,
        ms: report.ms,
      });
      return report;
    } catch (err) {
      await recordFailure(connection, err);
      throw err;
    }
  }

  /**
   * Store a snapshot already taken (a plan was computed from it under the connection's lock,
   * and the configuration it was planned against has just been stored).
   */
  async function syncSnapshot(connection: string, snapshot: CatalogSnapshot, under?: readonly string[], started = performance.now()): Promise<SyncReport> {
    return succeeded(connection, () => store(connection, snapshot.objects, rootsOf(under, snapshot), started));
  }

  /**
   * Keep a failed sync visible in `steward status`: also one that failed before it started
   * (the database unreachable, the credentials refused). One line, secrets removed.
   */
  async function recordFailure(connection: string, err: unknown): Promise<void> {
    const e = toStewardError(err);
    await statusRepo.syncFailed(db, connection, redactSecrets(e.message).split('\n')[0]!).catch(() => undefined);
  }

  async function store(
    connection: string,
    objects: readonly DiscoveredObject[],
    roots: readonly (readonly string[])[],
    started: number,
  ): Promise<SyncReport> {
    return db.transaction(async (tx) => {
      const run = await beginRun(tx, connection, roots);
      await run.add(objects);
      return run.finish(started);
    });
  }

  /**
   * One sync's comparison with the store, inside the caller's transaction: `add` takes the
   * crawled objects (all at once, or slice by slice as they are read) and writes new ones as it
   * goes; `finish` writes the changed ones, marks what was not seen removed, and reports.
   */
  async function beginRun(tx: Executor, connection: string, roots: readonly (readonly string[])[], opts: { byDigest?: boolean } = {}) {
    const full = (p: string): string => (p === '' ? connection : `${connection}/${p}`);
    if (!(await objectsRepo.lockConnection(tx, connection))) throw notFound('connection', connection);
    // What is stored under the crawled roots: path → fingerprint (null: marked removed).
    // Entries are deleted as the crawl sees them; what is left at the end has vanished.
    const stored = new Map<string, string | null>();
    const digests = new Map<string, string>();
    let loading: Promise<void> | null = null;
    const load = (): Promise<void> =>
      (loading ??= (async () => {
        for (const root of roots.length === 0 ? [[]] : roots) {
          const marks = await objectsRepo.fingerprintsUnder(tx, connection, encodePath(root));
          for (const [path, fingerprint] of marks.fingerprints) stored.set(path, fingerprint);
          for (const [path, digest] of marks.digests) digests.set(path, digest);
        }
      })());
    // The crawl may skip what its digests say is unchanged once most of what is stored has a
    // digest (a store from before digests, or a first sync, is read in full and gets them).
    // Then the store is read when the crawl asks, while its server computes the digests.
    const byDigest = opts.byDigest === true && (await objectsRepo.mostlyDigested(tx, connection));
    if (!byDigest) await load();
    const lookup = (segments: readonly string[]): string | undefined => digests.get(encodePath(segments));
    const known = byDigest ? async (): Promise<typeof lookup> => (await load(), lookup) : undefined;
    /**
     * Objects read again, unchanged, whose stored digest is missing or different, or whose
     * fingerprint is stored in the first form: restamped, nothing else written.
     */
    const restamped: { path: string; digest: string | null; fingerprint: string }[] = [];

    const added: SyncChange[] = [];
    const changed: SyncChange[] = [];
    const removed: SyncChange[] = [];
    let inserts: ObjectWrite[] = [];
    const updates: ObjectWrite[] = [];
    const changedRelations: { write: ObjectWrite; o: DiscoveredObject }[] = [];
    const seen = new Set<string>();

    async function add(objects: readonly DiscoveredObject[], unchanged: readonly (readonly string[])[] = []): Promise<void> {
      await load();
      // Named unchanged by their digest (live and stored with that digest): seen, nothing to write.
      for (const segments of unchanged) {
        const path = encodePath(segments);
        if (seen.has(path)) continue;
        seen.add(path);
        stored.delete(path);
      }
      for (const o of objects) {
        const path = encodePath(o.segments);
        if (seen.has(path)) continue; // reported twice: the first one counts
        seen.add(path);
        const prev = stored.get(path);
        if (prev !== undefined) stored.delete(path);
        // Read in full, but with the digest stored with its current fingerprint: unchanged, as a
        // crawl that skips it by that digest would find (a snapshot taken for a plan is stored
        // this way), without hashing it again.
        if (prev != null && o.crawlDigest !== undefined && digests.get(path) === o.crawlDigest && isCurrentForm(prev)) continue;
        const columnsText = columnsTextOf(o);
        const fingerprint = fingerprintOf(o, columnsText);
        if (prev != null && sameFingerprint(prev, fingerprint, o)) {
          if (prev !== fingerprint || (o.crawlDigest !== undefined && digests.get(path) !== o.crawlDigest)) {
            restamped.push({ path, digest: o.crawlDigest ?? digests.get(path) ?? null, fingerprint });
          }
          continue;
        }
        const write: ObjectWrite = {
          path,
          parent: encodePath(o.segments.slice(0, -1)),
          kind: o.kind,
          name: o.segments[o.segments.length - 1]!,
          depth: o.segments.length,
          owner: o.owner,
          comment: o.comment,
          columns: columnsText,
          partitionOf: o.partitionOf ? encodePath(o.partitionOf) : null,
          sequences: o.sequences && o.sequences.length > 0 ? o.sequences : null,
          fingerprint,
          crawlDigest: o.crawlDigest ?? null,
        };
        if (prev === undefined) {
          // A new relation brings its columns: they are not listed one by one (a first sync of
          // 100,000 tables would otherwise report a million entries).
          added.push({ path: full(path), kind: o.kind });
          inserts.push(write);
        } else if (prev === null) {
          // Reappeared: new again, with its columns.
          added.push({ path: full(path), kind: o.kind });
          updates.push(write);
        } else {
          changed.push({ path: full(path), kind: o.kind });
          updates.push(write);
          if (o.columnsText !== undefined || o.columns) changedRelations.push({ write, o });
        }
      }
      // Written in slices so that the rows to write are never all in memory at once.
      if (inserts.length >= INSERT_SLICE) await flushInserts();
    }

    async function flushInserts(): Promise<void> {
      const rows = inserts;
      inserts = [];
      await objectsRepo.insertNew(tx, connection, rows);
    }

    async function finish(started: number): Promise<SyncReport> {
      await load();
      await flushInserts();
      // Column-level detail for changed relations; vanished columns stay, marked removed.
      if (changedRelations.length > 0) {
        const before = await objectsRepo.columnsOf(
          tx,
          connection,
          changedRelations.map((c) => c.write.path),
        );
        const now = (deps.now?.() ?? new Date()).toISOString();
        for (const { write, o } of changedRelations) {
          const old = before.get(write.path) ?? [];
          const oldByName = new Map(old.map((c) => [c.name, c]));
          const cols: StoredColumn[] = [...(o.columns ?? [])];
          const names = new Set(cols.map((c) => c.name));
          for (const c of o.columns ?? []) {
            const prev = oldByName.get(c.name);
            const colPath = `${full(write.path)}/${encodePath([c.name])}`;
            if (prev === undefined || prev.removedAt !== undefined) added.push({ path: colPath, kind: 'column' });
            else if (columnKey(prev) !== columnKey(c)) changed.push({ path: colPath, kind: 'column' });
          }
          for (const c of old) {
            if (names.has(c.name)) continue;
            if (c.removedAt === undefined) removed.push({ path: `${full(write.path)}/${encodePath([c.name])}`, kind: 'column' });
            cols.push({ ...c, removedAt: c.removedAt ?? now });
          }
          (write as { columns: string | null }).columns = encodeColumns(cols);
        }
      }

      const vanished: string[] = [];
      for (const [path, fingerprint] of stored) if (fingerprint !== null) vanished.push(path);
      if (vanished.length > 0) {
        const kinds = await tx.query<{ path: string; kind: string }>(
          'SELECT path, kind FROM objects WHERE connection = $1 AND path = ANY($2::text[])',
          [connection, vanished],
        );
        for (const k of kinds) removed.push({ path: full(k.path), kind: k.kind });
      }

      await objectsRepo.update(tx, connection, updates);
      await objectsRepo.restamp(tx, connection, restamped);
      await objectsRepo.markRemoved(tx, connection, vanished);
      return {
        connection,
        added,
        changed,
        removed,
        objects: seen.size,
        ms: Math.round(performance.now() - started),
      };
    }

    return { add, finish, known };
  }

  return { sync, syncSnapshot, store, recordFailure };
}

export type SyncService = ReturnType<typeof createSyncService>;
