import { describe, expect, it } from 'vitest';
import { sinceOf } from '../../src/cli/commands/reconcile.js';
import { expiryOf } from '../../src/cli/commands/token.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');

describe('token --expires', () => {
  it('takes a duration from now or a date-time', () => {
    expect(expiryOf('30d', NOW).toISOString()).toBe('2026-12-20T12:00:00.000Z');
    expect(expiryOf('12h', NOW).toISOString()).toBe('2026-11-21T00:00:00.000Z');
    expect(expiryOf('2027-01-31T00:00:00Z', NOW).toISOString()).toBe('2027-01-31T00:00:00.000Z');
  });

  it('refuses what is not a time, and 0', () => {
    expect(() => expiryOf('soon', NOW)).toThrow(/^--expires: "soon" is not a duration$/);
    expect(() => expiryOf('0', NOW)).toThrow(/^--expires: "0" is not in the future$/);
    expect(() => expiryOf('2027-13-45', NOW)).toThrow(/^--expires: "2027-13-45" is not a date-time$/);
  });
});

describe('audit --since', () => {
  it('takes a date-time or a duration back from now', () => {
    expect(sinceOf('24h', NOW)).toBe('2026-11-19T12:00:00.000Z');
    expect(sinceOf('7d', NOW)).toBe('2026-11-13T12:00:00.000Z');
    expect(sinceOf('2026-11-01', NOW)).toBe('2026-11-01T00:00:00.000Z');
    expect(() => sinceOf('last week', NOW)).toThrow(/^--since: "last week" is not a duration$/);
  });
});
