/**
 * Crash safety, as an operator meets it: `steward apply` is a real child process, killed with
 * SIGKILL after a random statement (or at a random moment), over and over, on PostgreSQL and
 * MariaDB. After every kill:
 * - no governed user holds access that neither the old nor the new configuration gives (felt by
 *   the server: `has_table_privilege` on PostgreSQL, a login per user on MariaDB);
 * - whenever the database changed, the audit log holds the killed apply (begun before its first
 *   statement), marked `interrupted` by the next apply, and every statement it logged as run
 *   was in its plan;
 * - the next apply converges, and the one after it has nothing to do.
 * Trials per platform: STEWARD_CRASH_TRIALS (default 100, so ≥ 200 across both).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalClient } from '../../src/client/local-client.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import { parseConfig } from '../../src/config/load-config.js';
import { quoteAccount, quoteString } from '../../src/platforms/mysql/quote.js';
import { createServices } from '../../src/services/container.js';
import { openPostgres, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';
import { removeStewardCommand, stewardCommand } from '../helpers/cli-bundle.js';
import { probeTablePrivileges } from '../helpers/mariadb-accounts.js';
import { MARIADB_URL, PG_URL, mariadbAvailable, pgAvailable } from '../helpers/databases.js';
import { dropRoles, dropRolesWithPrefix, freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';

const TRIALS = Number(process.env.STEWARD_CRASH_TRIALS ?? 100);
const STORE_DB = 'crash_store';
const MASTER_KEY = randomBytes(32).toString('hex');
const work = mkdtempSync(join(tmpdir(), 'steward-crash-'));
const TABLES = ['t1', 't2', 't3', 't4'];
const USERS = ['crash_u1', 'crash_u2', 'crash_u3'];

/** Two configurations that differ in every way a plan can: grants, revokes, memberships, a role created, one dropped. */
function policies(variant: 'A' | 'B', conn: string, db: string, schemaPath: string): string {
  const p = (t: string) => `${conn}/${db}/${schemaPath}${t}`;
  return variant === 'A'
    ? `
  - { name: p-read, type: subscription, access: read, to: { groups: [g1] }, on: { paths: [${p('t1')}, ${p('t2')}] } }
  - { name: p-write, type: subscription, access: write, to: { groups: [g3] }, on: { paths: [${p('t3')}] } }`
    : `
  - { name: p-read, type: subscription, access: read, to: { groups: [g2, g3] }, on: { paths: [${p('t2')}, ${p('t3')}, ${p('t4')}] } }
  - { name: p-audit, type: subscription, access: read, to: { users: [u1] }, on: { paths: [${p('t4')}] } }
  - { name: p-write, type: subscription, access: write, to: { groups: [g1] }, on: { paths: [${p('t1')}] } }`;
}

function configYaml(variant: 'A' | 'B', conn: string, type: string, db: string, protect: string, schemaPath: string): string {
  return `
connections:
  ${conn}:
    type: ${type}
    url: \${CRASH_URL}
    databases: [${db}]
    protect: [${protect}]
users:
  u1: { groups: [g1], principals: { ${conn}: crash_u1 } }
  u2: { groups: [g1, g2], principals: { ${conn}: crash_u2 } }
  u3: { groups: [g3], principals: { ${conn}: crash_u3 } }
policies:${policies(variant, conn, db, schemaPath)}
`;
}

interface Target {
  readonly name: string;
  readonly conn: string;
  readonly available: boolean;
  readonly url: () => string;
  setup(): Promise<void>;
  cleanup(): Promise<void>;
  yaml(variant: 'A' | 'B'): string;
  /** `user|table|privilege` the server grants right now. */
  effective(): Promise<Set<string>>;
}

const pgTarget: Target = {
  name: 'PostgreSQL',
  conn: 'crashpg',
  available: pgAvailable,
  url: () => pgUrl('crash_pg', 'crash_sys', 'pw'),
  async setup() {
    await freshDatabase('crash_pg', ['crash_sys', ...USERS], ['crash_etl']);
    await withPg(pgUrl('crash_pg'), async (c) => {
      // A least-privilege system account: CREATEROLE, CONNECT and USAGE to hand out, and the
      // table privileges WITH GRANT OPTION from the (non-superuser) owner.
      await c.query('ALTER ROLE crash_sys CREATEROLE');
      await c.query('GRANT CONNECT ON DATABASE crash_pg TO crash_sys WITH GRANT OPTION');
      await c.query('CREATE SCHEMA shop AUTHORIZATION crash_etl');
      await c.query('SET ROLE crash_etl');
      for (const t of TABLES) await c.query(`CREATE TABLE shop.${t} (id int)`);
      await c.query('GRANT USAGE ON SCHEMA shop TO crash_sys WITH GRANT OPTION');
      await c.query('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA shop TO crash_sys WITH GRANT OPTION');
      await c.query('RESET ROLE');
    });
  },
  async cleanup() {
    // The database first: the grants in it go with it, and the roles can then be dropped.
    await withPg(PG_URL, (c) => c.query('DROP DATABASE IF EXISTS crash_pg WITH (FORCE)'));
    await dropRolesWithPrefix('steward_crashpg__');
    await withPg(PG_URL, (c) => dropRoles(c, ['crash_sys', ...USERS, 'crash_etl']));
  },
  yaml: (v) => configYaml(v, 'crashpg', 'postgres', 'crash_pg', 'crashpg/crash_pg/shop/*', 'shop/'),
  async effective() {
    return withPg(pgUrl('crash_pg'), async (c) => {
      const { rows } = await c.query<{ e: string }>(
        `SELECT u || '|' || t || '|' || p AS e FROM unnest($1::text[]) u, unnest($2::text[]) t, unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE']) p
         WHERE has_table_privilege(u, 'shop.' || t, p)`,
        [USERS, TABLES],
      );
      return new Set(rows.map((r) => r.e));
    });
  },
};

const myAdminUrl = (): string => MARIADB_URL;
const myUrl = (user: string, password: string): string => {
  const u = new URL(MARIADB_URL);
  u.username = user;
  u.password = password;
  u.pathname = '/';
  return u.toString();
};

const mariaTarget: Target = {
  name: 'MariaDB',
  conn: 'crashmy',
  available: mariadbAvailable,
  url: () => myUrl('crash_sys', 'pw').replace(/\/$/, '/crash_my'),
  async setup() {
    const admin = await mysql.createConnection({ uri: myAdminUrl() });
    try {
      await dropMaria(admin);
      await admin.query('CREATE DATABASE crash_my');
      for (const t of TABLES) await admin.query(`CREATE TABLE crash_my.${t} (id int)`);
      for (const u of USERS) await admin.query(`CREATE USER ${quoteAccount(u, '%')} IDENTIFIED BY 'pw'`);
      // What the system account needs, and no more than its check asks for.
      await admin.query(`CREATE USER ${quoteAccount('crash_sys', '%')} IDENTIFIED BY 'pw'`);
      await admin.query(`GRANT CREATE USER ON *.* TO ${quoteAccount('crash_sys', '%')}`);
      await admin.query(`GRANT SELECT ON mysql.* TO ${quoteAccount('crash_sys', '%')}`);
      await admin.query(`GRANT UPDATE ON mysql.* TO ${quoteAccount('crash_sys', '%')}`);
      await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON crash_my.* TO ${quoteAccount('crash_sys', '%')} WITH GRANT OPTION`);
    } finally {
      await admin.end();
    }
  },
  async cleanup() {
    const admin = await mysql.createConnection({ uri: myAdminUrl() });
    try {
      await dropMaria(admin);
    } finally {
      await admin.end();
    }
  },
  yaml: (v) => configYaml(v, 'crashmy', 'mariadb', 'crash_my', 'crashmy/crash_my', ''),
  async effective() {
    const out = new Set<string>();
    for (const u of USERS) {
      // A fresh login: the default role the server activates is what the user has.
      const c = await mysql.createConnection({ uri: myUrl(u, 'pw') });
      try {
        await probeTablePrivileges(c, u, 'crash_my', TABLES, out);
      } finally {
        await c.end();
      }
    }
    return out;
  },
};

async function dropMaria(admin: mysql.Connection): Promise<void> {
  await admin.query('DROP DATABASE IF EXISTS crash_my');
  const [rows] = await admin.query<mysql.RowDataPacket[]>(
    "SELECT User AS u, Host AS h, is_role AS r FROM mysql.user WHERE User LIKE 'steward\\_crashmy\\_\\_%' OR User LIKE 'crash\\_%'",
  );
  for (const r of rows) await admin.query(r.r === 'Y' ? `DROP ROLE ${quoteString(String(r.u))}` : `DROP USER ${quoteAccount(String(r.u), String(r.h))}`);
}

/** Start `steward apply -f FILE --yes --force --progress` and kill it with SIGKILL after `afterStatements` progress lines, or after `afterMs`. */
function killedApply(file: string, env: NodeJS.ProcessEnv, kill: { afterStatements: number } | { afterMs: number }): Promise<{ killed: boolean; statements: number; stderr: string }> {
  return stewardCommand().then(
    ([node, bundle]) =>
      new Promise((resolve, reject) => {
        const child = spawn(node!, [bundle!, 'apply', '-f', file, '--yes', '--force', '--progress'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        let statements = 0;
        let killed = false;
        const doKill = (): void => {
          if (killed || child.exitCode !== null) return;
          killed = child.kill('SIGKILL');
        };
        if ('afterMs' in kill) setTimeout(doKill, kill.afterMs);
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (chunk: string) => {
          stderr += chunk;
          statements = (stderr.match(/^statement \d+ /gm) ?? []).length;
          if ('afterStatements' in kill && statements >= kill.afterStatements) doKill();
        });
        child.on('error', reject);
        child.on('close', () => resolve({ killed, statements, stderr }));
      }),
  );
}

/** A deterministic sequence of kill points, so a failure can be replayed. */
function* killPoints(trials: number): Generator<{ afterStatements: number } | { afterMs: number }> {
  let x = 7;
  for (let i = 0; i < trials; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield i % 2 === 0 ? { afterStatements: 1 + (x % 16) } : { afterMs: 150 + (x % 1200) };
  }
}

let store: Db;
let storeUrl: string;

beforeAll(async () => {
  if (!pgAvailable) return;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${STORE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${STORE_DB}`);
  } finally {
    await admin.end();
  }
  storeUrl = pgUrl(STORE_DB);
  store = await openPostgres(storeUrl);
  await migrate(store);
  await stewardCommand();
}, 180_000);

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await removeStewardCommand();
  if (!pgAvailable) return;
  await store?.close();
  await withPg(PG_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${STORE_DB} WITH (FORCE)`));
});

for (const target of [pgTarget, mariaTarget]) {
  describe.skipIf(!target.available || !pgAvailable)(`crash safety: SIGKILL during apply on ${target.name}`, () => {
    let client: StewardClient;
    const files = { A: join(work, `${target.conn}-A.yaml`), B: join(work, `${target.conn}-B.yaml`) };
    const env = (): NodeJS.ProcessEnv => ({ ...process.env, STEWARD_DATABASE_URL: storeUrl, STEWARD_MASTER_KEY: MASTER_KEY, CRASH_URL: target.url() });
    const cfg = (v: 'A' | 'B') => parseConfig(target.yaml(v), files[v], { CRASH_URL: target.url() });

    beforeAll(async () => {
      await target.cleanup();
      await target.setup();
      writeFileSync(files.A, target.yaml('A'));
      writeFileSync(files.B, target.yaml('B'));
      client = createLocalClient(createServices({ db: store, masterKey: Buffer.from(MASTER_KEY, 'hex') }), 'crash-test');
    }, 180_000);

    afterAll(async () => {
      await target.cleanup();
    }, 120_000);

    it(`${TRIALS} killed applies never leave more than old ∪ new access, are all in the audit log, and converge`, async () => {
      // The two states each direction converges to, felt by the server.
      const converge = async (v: 'A' | 'B'): Promise<void> => {
        const r = await client.applyConfig(cfg(v), { force: true });
        for (const c of r.connections) expect(['applied', 'no-op'], `${target.name} converge to ${v}: ${c.status} ${c.error ?? ''}`).toContain(c.status);
      };
      await converge('A');
      const allowed = { A: await target.effective(), B: new Set<string>() };
      await converge('B');
      allowed.B = await target.effective();
      expect(allowed.A).not.toEqual(allowed.B);
      await converge('A');

      let from: 'A' | 'B' = 'A';
      let interrupted = 0;
      let midPlan = 0;
      let trial = 0;
      for (const kill of killPoints(TRIALS)) {
        trial++;
        const to: 'A' | 'B' = from === 'A' ? 'B' : 'A';
        const [last] = await client.audit({ connection: target.conn, limit: 1 });
        const before = await target.effective();
        const run = await killedApply(files[to], env(), kill);
        const after = await target.effective();
        const union = new Set([...allowed.A, ...allowed.B]);
        for (const e of after) expect(union.has(e), `trial ${trial} (${JSON.stringify(kill)}): ${e} is neither old nor new access`).toBe(true);
        if (run.killed) interrupted++;
        if (run.killed && after.size > 0 && [...after].some((e) => !before.has(e)) && [...before].some((e) => !after.has(e))) midPlan++;

        // The next apply converges (and marks the killed one interrupted).
        await converge(to);
        expect(await target.effective(), `trial ${trial}: converged to ${to}`).toEqual(allowed[to]);
        const events = (await client.audit({ connection: target.conn, limit: 20 })).filter((e) => e.id > (last?.id ?? 0) && e.actor.startsWith('cli:') && e.action === 'apply');
        const changed = [...after].some((e) => !before.has(e)) || [...before].some((e) => !after.has(e));
        if (changed) expect(events.length, `trial ${trial}: the database changed, so the killed apply must be in the audit log`).toBeGreaterThan(0);
        for (const e of events) {
          expect(['interrupted', 'ok', 'partial', 'error', 'unconverged'], `trial ${trial}: event ${e.id}`).toContain(e.outcome);
          const full = await client.auditEvent(e.id);
          const d = full.details as { plannedStatements?: { sql: string }[]; statements?: { sql: string; ok: boolean }[] };
          const planned = new Set((d.plannedStatements ?? []).map((s) => s.sql));
          for (const s of d.statements ?? []) expect(planned.has(s.sql), `trial ${trial}: logged statement outside the plan: ${s.sql}`).toBe(true);
          if (run.killed && e.outcome !== 'ok') expect(e.outcome).toBe('interrupted');
        }
        if (trial % 10 === 0) {
          const again = await client.applyConfig(cfg(to), { force: true });
          expect(again.connections.map((c) => c.status), `trial ${trial}: the run after convergence has nothing to do`).toEqual(['no-op']);
        }
        from = to;
      }
      // The kills must have bitten: most trials killed a running apply, some in the middle of a plan.
      expect(interrupted).toBeGreaterThan(TRIALS / 2);
      console.info(`${target.name}: ${TRIALS} trials, ${interrupted} killed while running, ${midPlan} left a state between old and new`);
    }, 30 * 60_000);
  });
}
