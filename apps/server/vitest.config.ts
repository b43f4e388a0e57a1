import { defineConfig } from 'vitest/config';

// Two projects: `unit` (src/** and the in-process API tests) and `e2e` (test/e2e/**, real registry, skopeo and the
// built CLI as child processes, hence the longer timeouts). Run one with `vitest run --project e2e`.
export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/e2e/**', '**/node_modules/**'],
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // A browser renders a list after its request, lazy chunk and React's work: on a loaded 2-core machine that
          // takes seconds, far past expect.poll's default of one.
          expect: { poll: { timeout: 20_000 } },
        },
      },
    ],
  },
});
