import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests share the local PostgreSQL and MariaDB servers; each file uses its own
    // databases and role prefixes, but running files one at a time keeps a 2-core machine calm.
    fileParallelism: false,
    pool: 'forks',
  },
});
