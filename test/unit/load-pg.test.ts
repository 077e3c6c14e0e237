import { describe, expect, it } from 'vitest';
import { loadPg } from '../../src/platforms/postgres/load-pg.js';

describe('loadPg', () => {
  it('loads the driver once and leaves no navigator behind where Node has none', async () => {
    const before = (globalThis as { navigator?: unknown }).navigator;
    const [a, b] = await Promise.all([loadPg(), loadPg()]);
    expect(a).toBe(b);
    expect(typeof a.Client).toBe('function');
    expect((globalThis as { navigator?: unknown }).navigator).toBe(before);
  });
});
