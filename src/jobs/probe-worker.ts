/**
 * The health probe: connect and check the system account's privileges (the same check as
 * `steward connection check`). Records reachability and the privilege verdict, then the health.
 */
import { redactSecrets, toStewardError } from '../domain/errors.js';
import { healthRepo } from '../store/health-repo.js';
import type { JobContext } from './context.js';
import { jobsEnabledFor } from './schedule.js';

export function createProbeWorker(ctx: JobContext) {
  const { services } = ctx;
  const enabled = jobsEnabledFor(ctx.opts.schedule);

  async function run(connection: string): Promise<'ok' | 'failed' | 'skipped'> {
    let outcome: 'ok' | 'failed' = 'ok';
    let record: (tx: Parameters<typeof healthRepo.ok>[0]) => Promise<void>;
    try {
      const report = await services.connections.check(connection);
      const missing = [...report.sync, ...report.enforcement].filter((c) => !c.ok).map((c) => c.what);
      record = (tx) => healthRepo.ok(tx, connection, { privilegesOk: missing.length === 0, missing });
    } catch (err) {
      const e = toStewardError(err);
      if (e.code === 'not_found') return 'skipped';
      outcome = 'failed';
      const message = redactSecrets(e.message);
      record = (tx) => healthRepo.failed(tx, connection, message, { probe: true, unsupported: e.code === 'unsupported', ...(e.code === 'connection_failed' ? { reachable: false } : {}) });
    }
    await services.db.transaction(async (tx) => {
      await record(tx);
      await services.health.refresh(connection, enabled, tx);
    });
    ctx.nudge();
    return outcome;
  }

  return { run };
}
