/**
 * A PostgreSQL-backed store whose server closes an idle connection (a restart, an idle
 * timeout, pg_terminate_backend): the process goes on, says so on stderr, and the next query
 * opens another connection. Without a listener on the pool the report was an uncaught exception
 * that ended the process. Database `steward_it_store_<pid>_*` (dropped after).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PG_URL } from '../helpers/databases.js';
import { withPg } from '../helpers/pg-admin.js';
import { STORE_BACKENDS, dropTestStores } from '../helpers/stores.js';

const backend = STORE_BACKENDS.find((b) => b.name === 'postgres')!;

describe.skipIf(!backend.available)('a PostgreSQL-backed store losing an idle connection', () => {
  afterAll(async () => {
    await dropTestStores();
  });

  it('goes on with a new connection and says what happened, instead of ending the process', async () => {
    const db = await backend.open();
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    try {
      const [row] = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      process.stderr.write = ((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
      await withPg(PG_URL, (c) => c.query('SELECT pg_terminate_backend($1)', [row!.pid]));
      for (let waited = 0; !written.some((w) => w.includes('metadata store')) && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      process.stderr.write = write;
      expect(written.join('')).toMatch(/^steward: metadata store: the server closed an idle connection \(terminating connection due to administrator command\); the next query opens another\n$/);
      expect(await db.query<{ n: number }>('SELECT 2 AS n')).toEqual([{ n: 2 }]);
    } finally {
      process.stderr.write = write;
      await db.close();
    }
  });
});
