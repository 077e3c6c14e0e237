import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault suites are long and run on their own: `npm run test:faults` (vitest.faults.config.ts).
    exclude: ['test/faults/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests share the local PostgreSQL and MariaDB servers; each file uses its own
    // databases and role prefixes, but running files one at a time keeps a 2-core machine calm.
    fileParallelism: false,
    pool: 'forks',
    // In CI also write a JSON report, from which .ci/run prints a plain "N passed, N failed" line.
    reporters: process.env.CI === 'true' ? ['default', ['json', { outputFile: '.ci/out/vitest.json' }]] : ['default'],
  },
});
