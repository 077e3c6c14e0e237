import { defineConfig } from 'vitest/config';

/**
 * The fault suites (`npm run test:faults`): long runs against real servers and real processes,
 * kept out of `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
