/**
 * Concurrency, as operators meet it: two `steward apply` of one connection at the same time, and
 * a CLI apply beside a running `steward serve` whose jobs reconcile the same connection, on
 * PostgreSQL and MariaDB. Every Steward is a real process running as a least-privilege system
 * account; applies that share a store use one on PostgreSQL (STEWARD_DATABASE_URL), since the
 * embedded store admits one process at a time — which is checked first: a second process on it
 * is refused at once, naming the holder, with the `--server` hint.
 * Each round asserts that:
 * - each apply either ran (serialized by the connection's lock) or was refused with one clear
 *   line naming the lock, and a non-zero exit; never a raw driver error (`tuple concurrently
 *   updated`, a duplicate key, a deadlock) — not in the server's log either;
 * - the audit log holds both attempts;
 * - afterwards the connection has converged: a plan has nothing to do, the store holds the
 *   configuration that ran last, and what each user can do (felt by the server) is what that
 *   configuration says.
 * Rounds per case: STEWARD_CONCURRENCY_ROUNDS (default 2).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgAvailable } from '../helpers/databases.js';
import { pgUrl } from '../helpers/pg-admin.js';
import { startServe, until, type ServeProcess } from '../helpers/serve-process.js';
import { startCutProxy, type CutProxy } from './helpers/cut-proxy.js';
import { type AuditRow, auditSince, type CliRun, lastAuditId, statusOf, steward, useStoreDatabase } from './helpers/fault-cli.js';
import { removeStewardCommand } from '../helpers/cli-bundle.js';
import { SYSTEM_PASSWORD, isChange, mariadbTarget, postgresTarget, type Variant } from './helpers/fault-targets.js';

// The CLI bundle this file's runs built (test/helpers/cli-bundle.ts) goes with it.
afterAll(() => removeStewardCommand());

const ROUNDS = Number(process.env.STEWARD_CONCURRENCY_ROUNDS ?? 2);
const STORE_DB = 'flt2_store_conc';
const MASTER_KEY = randomBytes(32).toString('hex');
const ADMIN_TOKEN = `stw_${randomBytes(16).toString('hex')}`;
const TABLES = 16;
const work = mkdtempSync(join(tmpdir(), 'flt2-conc-'));

/** What must never reach an operator from a race: raw driver and store errors. */
const RAW = /tuple concurrently updated|duplicate key|deadlock|could not serialize|ER_[A-Z_]+|\bat .+:\d+:\d+/i;

useStoreDatabase(STORE_DB, work);

/** An apply either ran to the end or was refused clearly because the other one held the lock. */
function expectRanOrRefused(r: CliRun, conn: string, what: string): 'ran' | 'refused' {
  const all = `${r.stdout}\n${r.stderr}`;
  expect(all, `${what}: no raw driver error`).not.toMatch(RAW);
  expect(all.includes(SYSTEM_PASSWORD), `${what}: no secret`).toBe(false);
  if (r.code === 0) {
    expect(r.stdout, `${what}: ${all}`).toMatch(new RegExp(`^${conn}: (applied|up to date)`, 'm'));
    return 'ran';
  }
  // One line that names the lock and says what to do; exit code 1 (any non-zero will do for scripts, but it is stable).
  expect(r.stderr, `${what}: refused clearly:\n${all}`).toMatch(new RegExp(`^error: .*(lock|locked).*steward:${conn}.*$`, 'm'));
  expect(r.stderr).toMatch(/^hint: /m);
  expect(r.code).toBe(1);
  return 'refused';
}

for (const target of [postgresTarget('cc', TABLES), mariadbTarget('cc', TABLES)]) {
  describe.skipIf(!target.available || !pgAvailable)(`concurrent applies on ${target.name}`, () => {
    let proxy: CutProxy;
    const files = { A: join(work, `${target.conn}-A.yaml`), B: join(work, `${target.conn}-B.yaml`) };
    const env = (): Record<string, string> => ({ STEWARD_DATABASE_URL: pgUrl(STORE_DB), STEWARD_MASTER_KEY: MASTER_KEY, FLT2_URL: target.url(proxy.port) });
    const allowed: Record<Variant, Set<string>> = { A: new Set(), B: new Set() };
    const apply = (v: Variant, e: Record<string, string> = env()): Promise<CliRun> => steward(['apply', '-f', files[v], '--yes', '--force'], e);

    /** Which configuration the database holds now (by what users can do), and that nothing is left to do for it. */
    async function expectConverged(what: string, storeEnv: Record<string, string> = env()): Promise<Variant> {
      const now = await target.effective();
      const v: Variant | null = setEquals(now, allowed.A) ? 'A' : setEquals(now, allowed.B) ? 'B' : null;
      expect(v, `${what}: users hold exactly A's or B's access`).not.toBeNull();
      const p = await steward(['plan', '-f', files[v!], '--exit-code'], storeEnv);
      expect(p.code, `${what}: a plan of ${v} has nothing to do:\n${p.stdout}${p.stderr}`).toBe(0);
      // The store holds the configuration that ran last.
      const l = await steward(['policy', 'list', '--json'], storeEnv);
      expect(l.code, l.stderr).toBe(0);
      const prefixes = new Set((JSON.parse(l.stdout) as { policy: { name: string } }[]).map((x) => x.policy.name.slice(0, 2)));
      expect([...prefixes], `${what}: the stored policies are ${v}'s`).toEqual([v === 'A' ? 'a-' : 'b-']);
      return v!;
    }

    beforeAll(async () => {
      await target.cleanup();
      await target.setup();
      proxy = await startCutProxy(target.server, target.protocol);
      writeFileSync(files.A, target.yaml('A'));
      writeFileSync(files.B, target.yaml('B'));
      for (const v of ['A', 'B'] as const) {
        const r = await apply(v);
        expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
        allowed[v] = await target.effective();
      }
      expect(allowed.A).not.toEqual(allowed.B);
    }, 300_000);

    afterAll(async () => {
      await proxy?.close();
      await target.cleanup();
    }, 120_000);

    it('the embedded store admits one process: a second is refused at once, naming the holder, with the --server hint', async () => {
      const dataDir = join(work, `${target.conn}-embedded`);
      mkdirSync(dataDir, { recursive: true });
      const embedded = { STEWARD_DATA_DIR: dataDir, STEWARD_MASTER_KEY: MASTER_KEY, FLT2_URL: target.url(proxy.port) };
      try {
        const first = apply('A', embedded).then((r) => r);
        let second: CliRun | null = null;
        let firstDone = false;
        void first.then(() => (firstDone = true));
        // The first apply is held in the middle of its plan (its connection paused by the relay): the store is in use.
        await proxy.pause(isChange, 3, async () => {
          second = await apply('B', embedded);
          expect(firstDone, 'the second process returned while the first still ran: it did not wait').toBe(false);
        });
        const r1 = await first;
        expect(r1.code, `${r1.stdout}${r1.stderr}`).toBe(0);
        const r2 = second as CliRun | null;
        expect(r2).not.toBeNull();
        expect(r2!.code).toBe(1);
        expect(r2!.stderr).toMatch(new RegExp(`^error: the embedded store in .* is in use by pid \\d+ \\(steward apply, since .+\\)$`, 'm'));
        expect(r2!.stderr).toMatch(/^hint: .*steward --server http/m);
        expect(`${r2!.stdout}${r2!.stderr}`).not.toMatch(RAW);
      } finally {
        proxy.disarm();
        rmSync(dataDir, { recursive: true, force: true });
      }
      // Back to the shared store's configuration.
      expect((await apply('B')).code).toBe(0);
    }, 120_000);

    it(`two CLI applies at once (a store on PostgreSQL), ${ROUNDS + 1} rounds: serialized or refused clearly, both audited, converged`, async () => {
      for (let round = 0; round <= ROUNDS; round++) {
        const last = await lastAuditId(target.conn, env());
        const [x, y] = (round % 2 === 0 ? ['A', 'B'] : ['B', 'A']) as [Variant, Variant];
        let r1: CliRun;
        let r2: CliRun;
        if (round === 0) {
          // Certain overlap: the first is paused in the middle of its plan while the second starts and waits for the lock.
          let second: Promise<CliRun> | null = null;
          const first = apply(x);
          await proxy.pause(isChange, 5, async () => {
            second = apply(y);
            await new Promise((r) => setTimeout(r, 2500));
          });
          r1 = await first;
          r2 = await second!;
        } else {
          [r1, r2] = await Promise.all([apply(x), apply(y)]);
        }
        const outcomes = [expectRanOrRefused(r1, target.conn, `round ${round} first (${x})`), expectRanOrRefused(r2, target.conn, `round ${round} second (${y})`)];
        expect(outcomes, `round ${round}: at least one ran`).toContain('ran');
        if (round === 0) expect(outcomes, 'the paused apply and the one waiting for its lock both ran, one after the other').toEqual(['ran', 'ran']);

        // Both attempts are in the audit log under the connection (a refused one as an error of `apply` naming the lock).
        const events = (await auditSince(target.conn, last, env())).filter((e) => e.action === 'apply');
        expect(events.length, `round ${round}: both attempts audited: ${JSON.stringify(events)}`).toBe(2);
        expect(events.filter((e) => e.outcome === 'ok').length).toBe(outcomes.filter((o) => o === 'ran').length);
        for (const e of events) {
          if (e.outcome !== 'ok') expect(e.summary, `round ${round}: event ${e.id}`).toMatch(new RegExp(`^locked: .*steward:${target.conn}`));
          expect(e.summary).not.toMatch(RAW);
        }

        const v = await expectConverged(`round ${round}`);
        // The one that ran last decides; with both run, that is the later audit event's plan.
        if (outcomes[0] === 'ran' && outcomes[1] === 'refused') expect(v).toBe(x);
        if (outcomes[0] === 'refused' && outcomes[1] === 'ran') expect(v).toBe(y);
        console.info(`[${target.name}] round ${round}: ${outcomes.join(' + ')}, converged to ${v}`);
      }
    }, 170_000);

    it(`a CLI apply beside a running steward serve reconciling the same connection, ${ROUNDS} rounds: serialized, audited, converged`, async () => {
      let server: ServeProcess | null = null;
      try {
        server = await startServe({
          env: { ...env(), STEWARD_ADMIN_TOKEN: ADMIN_TOKEN },
          args: ['--drift-interval', '1s', '--probe-interval', '0', '--sync-interval', '0'],
          timeoutMs: 120_000,
        });
        for (let round = 0; round < ROUNDS; round++) {
          const lastAny = await lastEventId(env());
          const v: Variant = round % 2 === 0 ? 'A' : 'B';
          // Drift an administrator makes: the server's next drift check reverts it, while the CLI applies.
          await target.makeDrift();
          const r = await apply(v);
          expectRanOrRefused(r, target.conn, `round ${round} (${v})`);
          // The server goes on reconciling; it must come to rest on what the CLI stored.
          await until(
            `round ${round}: the server's jobs are quiet and the database holds ${v}`,
            async () => setEquals(await target.effective(), allowed[v]),
            60_000,
          );
          await target.makeDrift();
          await until(`round ${round}: the server reverted the drift`, async () => setEquals(await target.effective(), allowed[v]), 60_000);
          const events = await eventsSince(lastAny, env());
          const mine = events.filter((e) => e.action === 'apply' && e.actor.startsWith('cli:'));
          const jobs = events.filter((e) => e.action === 'apply' && e.actor.startsWith('jobs:') && e.connection === target.conn);
          expect(mine.length, `round ${round}: the CLI's apply is audited`).toBeGreaterThanOrEqual(1);
          expect(jobs.length, `round ${round}: the server's reconciles are audited`).toBeGreaterThanOrEqual(1);
          for (const e of [...mine, ...jobs]) expect(e.summary, `event ${e.id}`).not.toMatch(RAW);
          expect(await expectConverged(`round ${round}`)).toBe(v);
        }
        const s = await statusOf(target.conn, env());
        expect(s.health?.status, JSON.stringify(s)).toBe('healthy');
        expect(server.log(), 'the server logged no raw driver error').not.toMatch(/tuple concurrently updated|duplicate key|deadlock/i);
      } finally {
        await server?.stop();
      }
    }, 170_000);
  });
}

function setEquals(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

async function lastEventId(env: Record<string, string>): Promise<number> {
  const r = await steward(['audit', '--limit', '1', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as AuditRow[])[0]?.id ?? 0;
}

async function eventsSince(after: number, env: Record<string, string>): Promise<AuditRow[]> {
  const r = await steward(['audit', '--limit', '500', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as AuditRow[]).filter((e) => e.id > after).sort((a, b) => a.id - b.id);
}
