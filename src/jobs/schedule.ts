/** Effective intervals of a connection's background jobs: its own `schedule`, else the server's. */
import type { ConnectionOptions } from '../domain/connection.js';
import { parseDuration } from '../domain/duration.js';

export interface ScheduleDefaults {
  readonly syncMs: number;
  readonly driftMs: number;
  readonly probeMs: number;
}

/** What `steward serve` uses without flags: sync hourly, drift every 5 minutes, probe every minute. */
export const DEFAULT_SCHEDULE: ScheduleDefaults = { syncMs: 3_600_000, driftMs: 300_000, probeMs: 60_000 };

export function effectiveSchedule(options: Pick<ConnectionOptions, 'schedule'>, defaults: ScheduleDefaults): ScheduleDefaults {
  const s = options.schedule ?? {};
  return {
    syncMs: s.sync !== undefined ? parseDuration('schedule.sync', s.sync) : defaults.syncMs,
    driftMs: s.drift !== undefined ? parseDuration('schedule.drift', s.drift) : defaults.driftMs,
    probeMs: defaults.probeMs,
  };
}

/** Background work runs for a connection unless both its sync and drift schedules are off. */
export function jobsEnabledFor(defaults: ScheduleDefaults) {
  return (options: Pick<ConnectionOptions, 'schedule'>): boolean => {
    const e = effectiveSchedule(options, defaults);
    return e.syncMs > 0 || e.driftMs > 0;
  };
}
