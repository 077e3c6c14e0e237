import type { Executor } from './db.js';

/**
 * One reconcile per connection at a time, cluster-wide. A lease is held by one job run
 * (`holder`) and kept alive by heartbeats; one whose heartbeat is older than `staleMs` belongs
 * to a server that died and may be taken over. Times are the store's clock, shared by every
 * server.
 */
export const leasesRepo = {
  async acquire(db: Executor, connection: string, holder: string, staleMs: number): Promise<boolean> {
    const rows = await db.query(
      `INSERT INTO connection_leases (connection, holder, heartbeat_at) VALUES ($1, $2, now())
       ON CONFLICT (connection) DO UPDATE SET holder = EXCLUDED.holder, heartbeat_at = now()
       WHERE connection_leases.heartbeat_at < now() - $3 * interval '1 millisecond'
       RETURNING holder`,
      [connection, holder, staleMs],
    );
    return rows.length === 1;
  },
  async heartbeat(db: Executor, connection: string, holder: string): Promise<boolean> {
    const rows = await db.query('UPDATE connection_leases SET heartbeat_at = now() WHERE connection = $1 AND holder = $2 RETURNING holder', [connection, holder]);
    return rows.length === 1;
  },
  async release(db: Executor, connection: string, holder: string): Promise<void> {
    await db.query('DELETE FROM connection_leases WHERE connection = $1 AND holder = $2', [connection, holder]);
  },
};
