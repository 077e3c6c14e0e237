import { describe, expect, it } from 'vitest';
import { jobsConfigOf } from '../../src/cli/commands/serve.js';
import { parseConfig } from '../../src/config/load-config.js';
import { connectionsOf } from '../../src/config/to-model.js';
import { DEFAULT_SCHEDULE, effectiveSchedule, jobsEnabledFor } from '../../src/jobs/schedule.js';
import { healthVerdict } from '../../src/services/health-service.js';
import type { HealthRow } from '../../src/store/health-repo.js';
import type { ConnectionStatus } from '../../src/store/status-repo.js';

const t = (s: number): Date => new Date(Date.UTC(2026, 11, 1, 0, 0, s));
const row = (h: Partial<HealthRow>): HealthRow => ({
  connection: 'c', status: 'healthy', reachable: true, lastProbeAt: t(0), lastOkAt: t(1), lastError: null, lastErrorAt: null,
  unsupported: false, privilegesOk: true, privilegesMissing: [], notifiedPlanDigest: null, changedAt: t(0), ...h,
});
const status = (driftCount: number): ConnectionStatus => ({
  connection: 'c', lastSyncAt: t(0), lastSync: null, lastSyncError: null, lastApplyAt: t(0), lastApplyError: null, lastPlanAt: t(0), driftCount,
  lastApplyOutcome: 'ok', lastApplyAuditId: null, reportedDrift: 0, unconverged: 0, blocked: 0,
});

describe('health verdict', () => {
  it('healthy, degraded, error, disabled — the first that applies wins', () => {
    expect(healthVerdict(row({}), status(0), true)).toEqual({ status: 'healthy', reason: 'ok' });
    expect(healthVerdict(null, null, true).status).toBe('healthy');
    expect(healthVerdict(row({ privilegesOk: false, privilegesMissing: ['CREATEROLE'] }), status(0), true)).toEqual({ status: 'degraded', reason: 'the system account lacks: CREATEROLE' });
    expect(healthVerdict(row({}), status(3), true)).toEqual({ status: 'degraded', reason: '3 drift found and not reverted' });
    expect(healthVerdict(row({ lastError: 'boom', lastErrorAt: t(2) }), status(3), true)).toEqual({ status: 'error', reason: 'boom' });
    // An older error followed by a success is history, not the verdict.
    expect(healthVerdict(row({ lastError: 'boom', lastErrorAt: t(0), lastOkAt: t(1) }), status(0), true).status).toBe('healthy');
    expect(healthVerdict(row({ reachable: false, lastErrorAt: t(0) }), status(0), true).status).toBe('error');
    expect(healthVerdict(row({ unsupported: true, lastError: 'redshift sync is not implemented' }), status(0), true)).toEqual({ status: 'disabled', reason: 'redshift sync is not implemented' });
    expect(healthVerdict(row({}), status(0), false).status).toBe('disabled');
  });

  it('an apply that failed or was interrupted, or a failed sync, is an error whoever ran it (no job needed)', () => {
    const failed = { ...status(0), lastApplyOutcome: 'failed' as const, lastApplyError: 'connection lost' };
    expect(healthVerdict(null, failed, true)).toEqual({ status: 'error', reason: 'the last apply failed: connection lost' });
    expect(healthVerdict(row({}), { ...status(0), lastApplyOutcome: 'interrupted' }, true)).toEqual({ status: 'error', reason: 'the last apply was interrupted' });
    const syncFailed = { ...status(0), lastSyncAt: t(5), lastSyncError: 'cannot connect' };
    expect(healthVerdict(row({}), syncFailed, true)).toEqual({ status: 'error', reason: 'the last sync failed: cannot connect' });
    // A successful apply after the failed sync reached the database: history.
    expect(healthVerdict(row({}), { ...syncFailed, lastApplyAt: t(6) }, true).status).toBe('healthy');
  });
});

describe('schedules', () => {
  it('connection options override the server defaults; both off disables the jobs', () => {
    expect(effectiveSchedule({}, DEFAULT_SCHEDULE)).toEqual({ syncMs: 3_600_000, driftMs: 300_000, probeMs: 60_000 });
    expect(effectiveSchedule({ schedule: { sync: '10m', drift: 'off' } }, DEFAULT_SCHEDULE)).toEqual({ syncMs: 600_000, driftMs: 0, probeMs: 60_000 });
    const enabled = jobsEnabledFor(DEFAULT_SCHEDULE);
    expect(enabled({ schedule: { sync: '0', drift: 'off' } })).toBe(false);
    expect(enabled({ schedule: { drift: '0' } })).toBe(true);
    expect(jobsEnabledFor({ syncMs: 0, driftMs: 0, probeMs: 0 })({})).toBe(false);
  });

  it('serve flags: durations checked, job timeout drives expiry, maintenance and leases', () => {
    const base = { port: '0', host: '127.0.0.1', syncInterval: '1h', driftInterval: '5m', probeInterval: '1m', jobTimeout: '30s', webhookRetries: '5s,5m' };
    expect(jobsConfigOf(base)).toMatchObject({
      schedule: { syncMs: 3_600_000, driftMs: 300_000, probeMs: 60_000 },
      queue: { expireSeconds: 30, maintenanceSeconds: 10 },
      lease: { staleMs: 19_800, heartbeatMs: 5000 },
      webhooks: { allowPrivate: false, retryDelaysMs: [5000, 300_000] },
    });
    expect(() => jobsConfigOf({ ...base, driftInterval: 'often' })).toThrow(/^--drift-interval: "often" is not a duration/);
    expect(() => jobsConfigOf({ ...base, jobTimeout: '1s' })).toThrow(/^--job-timeout: "1s" is too short/);
  });
});

describe('schedule in steward.yaml', () => {
  const yaml = (schedule: string) => `connections:\n  wh:\n    type: postgres\n    url: postgres://u@h/db\n    schedule: ${schedule}\n`;
  it('is carried into the connection options', () => {
    const [c] = connectionsOf(parseConfig(yaml('{ sync: 10m, drift: off }'), 'steward.yaml', {}));
    expect(c!.options?.schedule).toEqual({ sync: '10m', drift: 'off' });
  });
  it('refuses a bad duration or an unknown key, naming the line and field', () => {
    expect(() => parseConfig(yaml('{ sync: often }'), 'steward.yaml', {})).toThrow(/steward\.yaml:5: connections\.wh\.schedule\.sync/);
    expect(() => parseConfig(yaml('{ every: 1h }'), 'steward.yaml', {})).toThrow(/schedule.*every|every.*unknown/);
  });
});
