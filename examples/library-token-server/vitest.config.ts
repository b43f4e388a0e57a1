import { defineConfig } from 'vitest/config';

// End-to-end only: the real registry, skopeo and the built token server as child processes.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
