import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.ts', 'src/app.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  // Start-up time is mostly finding, reading and compiling modules: the workspace libraries and the pure-JS packages
  // made of hundreds of small files (kysely) go into the bundle; what they load on demand (@peculiar/x509 when
  // generating a certificate) becomes a chunk of its own, loaded then. The server's own dependencies stay packages:
  // native addons, packages that read files of their own, and those loaded on demand (pg, nodemailer).
  noExternal: [/^@registry-admin\//, 'kysely'],
});
