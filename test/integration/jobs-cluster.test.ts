/**
 * Two `steward serve` processes on one PostgreSQL store: each change is applied once, and a
 * server killed with SIGKILL in the middle of a reconcile has its work finished by the other.
 * The kill lands mid-job because the test holds the target's apply lock (the advisory lock
 * Steward takes on the connection's database) until the job is running.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advisoryLockKey } from '../../src/platforms/postgres/lock-key.js';
import { PG_URL, pgAvailable } from '../helpers/databases.js';
import { asUser, dropRoles, dropRolesWithPrefix, freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';
import { apiCall, startServe, until, type ServeProcess } from '../helpers/serve-process.js';

const TARGET = 'jobs_cl_target';
const STORE = 'jobs_cl_store';
const CONN = 'jobs_cl';
const USERS = Array.from({ length: 6 }, (_, i) => `jobs_cl_u${i + 1}`);
const token = `stw_${randomBytes(16).toString('hex')}`;
const masterKey = randomBytes(32).toString('base64');

describe.skipIf(!pgAvailable)('two servers on one PostgreSQL store', () => {
  const servers: ServeProcess[] = [];
  const start = async (): Promise<ServeProcess> => {
    const s = await startServe({
      env: { STEWARD_DATABASE_URL: pgUrl(STORE), STEWARD_ADMIN_TOKEN: token, STEWARD_MASTER_KEY: masterKey },
      args: ['--drift-interval', '30s', '--sync-interval', '1h', '--probe-interval', '30s', '--job-timeout', '6s'],
    });
    servers.push(s);
    return s;
  };
  const api = (s: ServeProcess, method: string, path: string, body?: unknown) => apiCall(s.url, token, method, path, body);
  const reads = (user: string) => asUser(TARGET, user, 'SELECT * FROM shop.orders');
  // Each apply with the statements it ran (kept apart from the event: GET /audit/:id has them).
  const applies = async (s: ServeProcess) => {
    const events = (await api(s, 'GET', `/audit?connection=${CONN}&action=apply&limit=1000`)).json as { id: number }[];
    return Promise.all(
      events.map(async (e) => (await api(s, 'GET', `/audit/${e.id}`)).json as { actor: string; details: { statements?: { sql: string; ok: boolean }[] } }),
    );
  };

  beforeAll(async () => {
    await freshDatabase(TARGET, USERS);
    await withPg(PG_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${STORE} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${STORE}`);
    });
    await withPg(pgUrl(TARGET), (c) => c.query('CREATE SCHEMA shop; CREATE TABLE shop.orders (id int)'));
    const a = await start();
    await start();
    expect((await api(a, 'POST', '/connections', { name: CONN, type: 'postgres', url: pgUrl(TARGET), options: { protect: [`${CONN}/${TARGET}/shop`], databases: [TARGET] } })).status).toBe(201);
    // The group a policy names must exist (the configuration is checked whole).
    expect((await api(a, 'POST', '/groups', { name: 'readers' })).status).toBeLessThan(300);
    await api(a, 'PUT', '/policies/readers', { name: 'readers', type: 'subscription', access: 'read', to: { groups: ['readers'] }, on: { paths: [`${CONN}/${TARGET}/shop/*`] } });
  });

  afterAll(async () => {
    for (const s of servers) await s.stop();
    await withPg(PG_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${TARGET} WITH (FORCE)`);
      await c.query(`DROP DATABASE IF EXISTS ${STORE} WITH (FORCE)`);
      await dropRoles(c, USERS);
    });
    await dropRolesWithPrefix(`steward_${CONN}__`);
  });

  it('applies each change once, whichever server takes it', async () => {
    const [a, b] = servers as [ServeProcess, ServeProcess];
    // Changes through both servers, one after the other, each awaited in the database.
    for (const [i, user] of USERS.slice(0, 4).entries()) {
      const via = i % 2 === 0 ? a : b;
      expect((await api(via, 'PUT', `/users/${user}`, { groups: ['readers'] })).status).toBe(204);
      await until(`${user} to read`, async () => (await reads(user)) === 'ok');
    }
    // Every membership GRANT ran exactly once, in one apply.
    const ran = (await applies(a)).flatMap((e) => (e.details.statements ?? []).filter((s) => s.ok).map((s) => s.sql));
    for (const user of USERS.slice(0, 4)) {
      expect(ran.filter((sql) => /^GRANT "steward_jobs_cl__g_readers" TO/.test(sql) && sql.includes(`"${user}"`))).toHaveLength(1);
    }
    expect(new Set(ran).size).toBe(ran.length);
  });

  it('a rolling restart loses nothing: SIGTERM mid-job, the other server finishes, a new one joins', async () => {
    const lockHolder = new pg.Client({ connectionString: pgUrl(TARGET) });
    await lockHolder.connect();
    try {
      await lockHolder.query('SELECT pg_advisory_lock($1::bigint)', [advisoryLockKey(`steward:${CONN}`)]);
      const user = USERS[5]!;
      expect((await api(servers[1]!, 'PUT', `/users/${user}`, { groups: ['readers'] })).status).toBe(204);
      let holder = '';
      await until('a server to take the job', async () => {
        const rows = await withPg(pgUrl(STORE), (c) => c.query<{ holder: string }>('SELECT holder FROM connection_leases WHERE connection = $1', [CONN]));
        holder = rows.rows[0]?.holder ?? '';
        return holder !== '';
      });
      const leaving = servers.find((s) => holder.startsWith(s.serverId))!;
      const staying = servers.find((s) => s !== leaving && s.child.exitCode === null)!;
      // Graceful stop: no new requests or jobs; the running one has the job timeout to finish,
      // then is handed back to the queue.
      await leaving.stop();
      expect(leaving.child.exitCode).toBe(0);
      servers.splice(servers.indexOf(leaving), 1);
      const joined = await start();
      await lockHolder.query('SELECT pg_advisory_unlock_all()');
      await until(`${user} to read after the restart`, async () => (await reads(user)) === 'ok', 60_000);
      const ran = (await applies(joined)).flatMap((e) => (e.details.statements ?? []).filter((x) => x.ok && x.sql.includes(`"${user}"`)));
      expect(ran).toHaveLength(1);
      expect(staying.child.exitCode).toBeNull();
    } finally {
      await lockHolder.end();
    }
  });

  it('a server killed with SIGKILL mid-job: the other finishes the work', async () => {
    const lockHolder = new pg.Client({ connectionString: pgUrl(TARGET) });
    await lockHolder.connect();
    try {
      await lockHolder.query('SELECT pg_advisory_lock($1::bigint)', [advisoryLockKey(`steward:${CONN}`)]);
      const user = USERS[4]!;
      expect((await api(servers.find((x) => x.child.exitCode === null)!, 'PUT', `/users/${user}`, { groups: ['readers'] })).status).toBe(204);
      // The reconcile is running (it holds the connection's lease) and waits for the apply lock.
      let holder = '';
      await until('a server to take the job', async () => {
        const rows = await withPg(pgUrl(STORE), (c) => c.query<{ holder: string }>('SELECT holder FROM connection_leases WHERE connection = $1', [CONN]));
        holder = rows.rows[0]?.holder ?? '';
        return holder !== '';
      });
      const victim = servers.find((s) => holder.startsWith(s.serverId))!;
      const survivor = servers.find((s) => s !== victim && s.child.exitCode === null)!;
      expect(victim).toBeDefined();
      await victim.kill();
      await lockHolder.query('SELECT pg_advisory_unlock_all()');
      const took = await until(`${user} to read after the takeover`, async () => (await reads(user)) === 'ok', 60_000);
      expect(took).toBeLessThan(60_000);
      const actors = (await applies(survivor)).filter((e) => (e.details.statements ?? []).some((s) => s.ok && s.sql.includes(`"${user}"`)));
      expect(actors).toHaveLength(1);
      expect(survivor.log()).toMatch(new RegExp(`reconcile ${CONN} \\(.*\\): applied`));
    } finally {
      await lockHolder.end();
    }
  });
});
