import { invalidInput } from './errors.js';

/** Parse `30s`, `5m`, `1h`, `30d`, `500ms` or `0`/`off` (disabled → 0) into milliseconds. */
export function parseDuration(flag: string, text: string): number {
  if (text === '0' || text === 'off') return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw invalidInput(flag, `"${text}" is not a duration`, 'write it like 30s, 5m, 1h or 30d (0 or off disables)');
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(n * unit);
}
