import { defineConfig } from 'vitest/config';

// Unit tests of the providers run in Node against a recorded fetch; the browser tests live with the server's e2e tests.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], environment: 'node' } });
