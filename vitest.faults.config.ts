import { defineConfig } from 'vitest/config';

/**
 * The slow suite (`npm run test:faults`): a real Redis Cluster with a failover, and processes
 * killed at each step of each write path. Its own command, so `npm test` stays short; CI runs both.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // Each file starts several service processes; one file at a time on small machines.
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
  },
});
