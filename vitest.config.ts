import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code; integration tests need real services (PostgreSQL, a registry, TLS);
// e2e tests need a real Kubernetes API server. `npm test` runs all of them: a suite that cannot reach
// what it needs fails with the reason, it never skips silently.
export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts', 'bench/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
