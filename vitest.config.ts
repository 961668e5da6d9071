import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure and fast; `integration` talks to real Postgres, Temporal and the
// Looker emulator, provisioned once by the global setup. Temporal's native bridge needs `forks`.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
