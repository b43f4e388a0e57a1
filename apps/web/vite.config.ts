/**
 * Builds the single-page app into `dist/` for the server to serve at `/`. Vite's own esbuild handles TSX (the React
 * automatic runtime from tsconfig), so no framework plugin is needed. `pnpm dev` proxies the API to a local server.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The report after the build prints gzip sizes itself; Vite's per-file table stays on.
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2048,
    // No inline module preload polyfill: the page must run under a CSP without inline scripts.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      output: {
        // react-admin's packages import one another in cycles; split across lazy chunks they would run out of order.
        // The libraries stay in one cacheable chunk, and the lazily loaded views hold only this app's code.
        manualChunks: (id) => (id.includes('/node_modules/') ? 'vendor' : undefined),
      },
    },
  },
  server: {
    proxy: { '/api': process.env.RA_DEV_API ?? 'http://127.0.0.1:8080' },
  },
});
