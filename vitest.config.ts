import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The slow fault suite has its own config and command: npm run test:faults.
    exclude: ['test/faults/**', 'node_modules/**'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // TF.js training is CPU bound; two cores here, so keep files from starving each other.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
