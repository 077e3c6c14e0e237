/**
 * Database faults, as an operator meets them: the governed database is unreachable, drops
 * Steward's connections in the middle of an apply, goes down and comes back (a restart), or (on
 * PostgreSQL) an administrator terminates Steward's backend with `pg_terminate_backend`. The
 * shared servers are never restarted: Steward reaches the database through a TCP relay
 * (helpers/cut-proxy.ts) that the test cuts, after the n-th statement that changes access has
 * reached the server. Steward runs as real CLI processes, as a least-privilege system account,
 * with its metadata store on PostgreSQL (not relayed). After every fault:
 * - the command exits non-zero with a clear message naming the connection: no stack trace, no
 *   password;
 * - `steward status` shows the connection's health as not healthy, its last apply failed and why
 *   (and, when the database could not be reached, the sync error);
 * - the audit log holds the apply, begun before its first statement, and every statement that
 *   reached the database (seen by the relay) is in it;
 * - no governed user holds access that neither the old nor the new configuration gives
 *   (`has_table_privilege`, or a login as each user on MariaDB);
 * - once the database is reachable again, the next apply converges and a plan has nothing to do,
 *   and `steward status` is healthy again.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgAvailable } from '../helpers/databases.js';
import { pgUrl, withPg } from '../helpers/pg-admin.js';
import { startCutProxy, type CutProxy } from './helpers/cut-proxy.js';
import { auditEvent, auditSince, type CliRun, expectClearFailure, lastAuditId, statusOf, steward, useStoreDatabase } from './helpers/fault-cli.js';
import { removeStewardCommand } from '../helpers/cli-bundle.js';
import { SYSTEM_PASSWORD, isChange, mariadbTarget, postgresTarget, type FaultTarget, type Variant } from './helpers/fault-targets.js';

// The CLI bundle this file's runs built (test/helpers/cli-bundle.ts) goes with it.
afterAll(() => removeStewardCommand());

const STORE_DB = 'flt2_store_dbfaults';
const MASTER_KEY = randomBytes(32).toString('hex');
const TABLES = 40;
const work = mkdtempSync(join(tmpdir(), 'flt2-dbfaults-'));

useStoreDatabase(STORE_DB, work);

/** A fault injected while `steward apply` goes from one configuration to the other. */
interface Fault {
  readonly name: string;
  readonly only?: FaultTarget['name'];
  /** Arm the relay before the apply starts; resolves when the fault has happened. */
  arm(proxy: CutProxy, target: FaultTarget): Promise<void>;
  /** After the failed apply: make the database reachable again. */
  heal?(proxy: CutProxy): Promise<void>;
}

/** Terminate every backend of Steward's system account on the target database, from an admin session. */
async function terminateSteward(target: FaultTarget): Promise<void> {
  const killed = await withPg(pgUrl('postgres'), (c) =>
    c.query<{ ok: boolean }>(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND usename = $2 AND pid <> pg_backend_pid()`, [
      target.database,
      `flt2_dbf_sys`,
    ]),
  );
  if (killed.rows.length === 0) throw new Error('no backend of the system account to terminate');
}

const FAULTS: readonly Fault[] = [
  { name: 'connections dropped after the 1st statement', arm: (p) => p.trip(isChange, 1, 'cut') },
  { name: 'connections dropped after the 30th statement', arm: (p) => p.trip(isChange, 30, 'cut') },
  { name: 'database down after the 10th statement (stays down for the rest of the run)', arm: (p) => p.trip(isChange, 10, 'down'), heal: (p) => p.up() },
  {
    name: 'database restarts after the 60th statement (down, up again a second later)',
    arm: (p) => p.trip(isChange, 60, 'down').then(() => new Promise<void>((r) => setTimeout(r, 1000))).then(() => p.up()),
  },
  {
    name: "an administrator terminates Steward's backend (pg_terminate_backend) after the 40th statement",
    only: 'PostgreSQL',
    // Steward's connection is held after its 40th statement while the backend is terminated; the server's FATAL message reaches it.
    arm: (p, t) => p.pause(isChange, 40, () => terminateSteward(t)),
  },
];

for (const target of [postgresTarget('dbf', TABLES), mariadbTarget('dbf', TABLES)]) {
  describe.skipIf(!target.available || !pgAvailable)(`database faults on ${target.name}`, () => {
    let proxy: CutProxy;
    const files = { A: join(work, `${target.conn}-A.yaml`), B: join(work, `${target.conn}-B.yaml`) };
    const env = (): Record<string, string> => ({
      STEWARD_DATABASE_URL: pgUrl(STORE_DB),
      STEWARD_MASTER_KEY: MASTER_KEY,
      FLT2_URL: target.url(proxy.port),
    });
    const allowed: Record<Variant, Set<string>> = { A: new Set(), B: new Set() };
    let state: Variant = 'A';
    const secrets = [SYSTEM_PASSWORD, MASTER_KEY];
    const names = new RegExp(`\\b${target.conn}\\b`);

    /** Apply a configuration through a working relay; it must converge, and a plan after it must have nothing to do. */
    async function converge(v: Variant): Promise<void> {
      const r = await steward(['apply', '-f', files[v], '--yes', '--force'], env());
      expect(r.code, `apply ${v}: ${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^${target.conn}: (applied|up to date)`, 'm'));
      const p = await steward(['plan', '-f', files[v], '--exit-code'], env());
      expect(p.code, `plan after converging to ${v} has nothing to do:\n${p.stdout}\n${p.stderr}`).toBe(0);
      state = v;
    }

    beforeAll(async () => {
      await target.cleanup();
      await target.setup();
      proxy = await startCutProxy(target.server, target.protocol);
      writeFileSync(files.A, target.yaml('A'));
      writeFileSync(files.B, target.yaml('B'));
      await converge('A');
      allowed.A = await target.effective();
      await converge('B');
      allowed.B = await target.effective();
      expect(allowed.A).not.toEqual(allowed.B);
      expect(allowed.A.size).toBeGreaterThan(0);
    }, 300_000);

    afterAll(async () => {
      await proxy?.close();
      await target.cleanup();
    }, 120_000);

    /** The operator's view after a fault: status not healthy, naming why. */
    async function expectUnhealthy(what: string): Promise<void> {
      const s = await statusOf(target.conn, env());
      expect(s.health?.status, `${what}: health in steward status (${JSON.stringify(s)})`).not.toBe('healthy');
      expect(['failed', 'interrupted'], `${what}: last apply in steward status (${JSON.stringify(s)})`).toContain(s.lastApplyOutcome);
      expect(s.lastApplyError ?? '', `${what}: last apply error`).not.toBe('');
      for (const secret of secrets) expect(JSON.stringify(s).includes(secret)).toBe(false);
    }

    /** Back to normal: the relay works, the next apply converges, status is healthy. */
    async function expectRecovers(to: Variant): Promise<void> {
      await converge(to);
      expect(await target.effective(), `converged to ${to}`).toEqual(allowed[to]);
      const s = await statusOf(target.conn, env());
      expect(s.health?.status, `health after recovery (${JSON.stringify(s)})`).toBe('healthy');
      expect(s.lastApplyOutcome).toBe('ok');
    }

    it('unreachable at plan and at apply time: a clear error, recorded in status, nothing reaches the database; then converges', async () => {
      const to: Variant = state === 'A' ? 'B' : 'A';
      const last = await lastAuditId(target.conn, env());
      const before = await target.effective();
      await proxy.down();
      const accepted = proxy.accepted;
      try {
        const plan = await steward(['plan', '-f', files[to]], env());
        expectClearFailure(plan, { names, secrets, what: 'plan while unreachable' });
        console.info(`[${target.name}] plan while unreachable:\n${plan.stdout}${plan.stderr}`);
        const apply = await steward(['apply', '-f', files[to], '--yes', '--force'], env());
        expectClearFailure(apply, { names, secrets, what: 'apply while unreachable' });
        console.info(`[${target.name}] apply while unreachable:\n${apply.stdout}${apply.stderr}`);
        expect(proxy.accepted, 'nothing reached the database').toBe(accepted);
        expect(await target.effective()).toEqual(before);
        const s = await statusOf(target.conn, env());
        console.info(`[${target.name}] status while unreachable: ${JSON.stringify(s)}`);
        expect(s.health?.status, `health while unreachable (${JSON.stringify(s)})`).not.toBe('healthy');
        expect(s.lastSyncError ?? '', 'the failed sync is recorded').toMatch(/refused|connect/i);
        // Nothing ran: no apply event with statements.
        for (const e of await auditSince(target.conn, last, env())) {
          const d = (await auditEvent(e.id, env())).details ?? {};
          expect(d.statements ?? [], `event ${e.id} ran nothing`).toEqual([]);
        }
      } finally {
        await proxy.up();
      }
      await expectRecovers(to);
    }, 120_000);

    for (const fault of FAULTS.filter((f) => f.only === undefined || f.only === target.name)) {
      it(`${fault.name}: a clear failure, in status and in the audit log, no access beyond old ∪ new; then converges`, async () => {
        const to: Variant = state === 'A' ? 'B' : 'A';
        const last = await lastAuditId(target.conn, env());
        const sentBefore = proxy.sent.length;
        const happened = fault.arm(proxy, target);
        let r: CliRun;
        try {
          r = await steward(['apply', '-f', files[to], '--yes', '--force'], env());
          expect(proxy.armed, 'the fault happened while the apply ran').toBe(false);
          await happened;
          await fault.heal?.(proxy);
        } finally {
          proxy.disarm();
          await proxy.up();
        }
        console.info(`[${target.name}] ${fault.name}:\n${r.stdout}${r.stderr}`);
        expectClearFailure(r, { names, secrets, what: fault.name });
        if (fault.name.includes('pg_terminate_backend')) expect(r.stdout).toMatch(/terminating connection due to administrator command/);
        // A read-back that failed verified nothing: said so, never "not reflected by the database".
        if (/could not read the database back/.test(r.stdout)) {
          expect(r.stdout).toMatch(/not verified: the database could not be read back after the run/);
          expect(r.stdout).not.toMatch(/not reflected by the database/);
        }
        // The connection's line says it failed and why, on one line.
        expect(`${r.stdout}\n${r.stderr}`).toMatch(new RegExp(`^(${target.conn}: failed, \\d+/\\d+ statements — .+|error: .*\\b${target.conn}\\b.*)$`, 'm'));

        // Nobody holds more than the old and the new configuration give.
        const after = await target.effective();
        const union = new Set([...allowed.A, ...allowed.B]);
        for (const e of after) expect(union.has(e), `${e} is neither old nor new access`).toBe(true);

        await expectUnhealthy(fault.name);

        // Write-ahead audit: the apply is logged, and every statement that reached the database is in it.
        const events = (await auditSince(target.conn, last, env())).filter((e) => e.action === 'apply');
        expect(events.length, 'the faulted apply is in the audit log').toBe(1);
        const event = await auditEvent(events[0]!.id, env());
        expect(['error', 'partial', 'interrupted']).toContain(event.outcome);
        const planned = new Set((event.details.plannedStatements ?? []).map((s) => s.sql));
        const reached = proxy.sent.slice(sentBefore).filter(isChange);
        expect(reached.length, 'statements reached the database before the fault').toBeGreaterThan(0);
        for (const sql of reached) expect(planned.has(sql), `reached the database but not in the audit event: ${sql}`).toBe(true);
        for (const s of event.details.statements ?? []) expect(planned.has(s.sql), `logged outside the plan: ${s.sql}`).toBe(true);
        for (const secret of secrets) expect(JSON.stringify(event).includes(secret)).toBe(false);

        await expectRecovers(to);
      }, 120_000);
    }
  });
}
