#!/usr/bin/env node
/**
 * Builds `registry-admin` as one executable for linux-x64: a Node single executable application (SEA) that carries
 * the server bundled into one CommonJS file, the built web UI (when apps/web/dist exists), the API docs page's
 * assets and the native addons of better-sqlite3 and argon2. It needs no Node, pnpm or node_modules where it runs;
 * its entry point (apps/server/src/single-executable.ts) unpacks the files into a private cache directory once per
 * build.
 *
 * Usage: node scripts/package-executable.mjs [--out <dir>]   (after `pnpm build`; default dist/registry-admin)
 * `pnpm package` builds the workspace and then runs this.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { build } from 'esbuild';
import { inject } from 'postject';

const root = resolve(import.meta.dirname, '..');
const serverDir = join(root, 'apps/server');
const webDist = join(root, 'apps/web/dist');
const outIndex = process.argv.indexOf('--out');
const outDir = resolve(outIndex > 0 ? (process.argv[outIndex + 1] ?? '') : join(root, 'dist/registry-admin'));
const executable = join(outDir, 'registry-admin');
// The sentinel every Node binary with SEA support carries (documented with `node --experimental-sea-config`).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function fail(message) {
  console.error(`package-executable: ${message}`);
  process.exit(1);
}

if (process.platform !== 'linux' || process.arch !== 'x64')
  fail(`builds for linux-x64 only, not ${process.platform}-${process.arch}`);
if (!readFileSync(process.execPath).includes(SEA_FUSE))
  fail(`${process.execPath} was built without single executable support`);

const fromServer = createRequire(join(serverDir, 'package.json'));
const packageDir = (name, require = fromServer) => realpathSync(dirname(require.resolve(`${name}/package.json`)));
const argon2Dir = packageDir('argon2');
const sqliteDir = packageDir('better-sqlite3');
const swaggerUiDir = packageDir('@fastify/swagger-ui');
const argon2Require = createRequire(join(argon2Dir, 'package.json'));
// node-gyp-build's own choice for this machine: a local build, else the matching prebuild.
const argon2Addon = argon2Require('node-gyp-build').path(argon2Dir);
const sqliteAddon = join(sqliteDir, 'build/Release/better_sqlite3.node');
if (!existsSync(sqliteAddon)) fail(`better-sqlite3 has no built addon at ${sqliteAddon} (pnpm install builds it)`);

const work = join(tmpdir(), `ra-package-${process.pid}`);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

// Asset key -> file. Keys are the paths the entry point unpacks them to.
const assets = new Map([
  ['addons/better_sqlite3.node', sqliteAddon],
  ['addons/argon2.node', argon2Addon],
]);
for (const file of filesUnder(join(swaggerUiDir, 'static'))) {
  assets.set(`swagger-ui/${relative(join(swaggerUiDir, 'static'), file).split(sep).join('/')}`, file);
}
const web = existsSync(join(webDist, 'index.html'));
if (web)
  for (const file of filesUnder(webDist)) assets.set(`web/${relative(webDist, file).split(sep).join('/')}`, file);
else console.warn('package-executable: apps/web/dist is not built; the executable serves the API only');

// One id per content: a new build unpacks into a new folder, the same build reuses the one it unpacked before.
const hash = createHash('sha256');
for (const [key, file] of assets) hash.update(key).update('\0').update(readFileSync(file)).update('\0');

// The server as one CommonJS file. argon2 finds its addon through node-gyp-build beside its own files, which a
// single executable does not have: here it gets the unpacked copy instead.
const embeddedFilesModule = join(serverDir, 'src/runtime/embedded-files.ts');
const argon2AddonPlugin = {
  name: 'argon2-embedded-addon',
  setup(bundler) {
    bundler.onResolve({ filter: /^node-gyp-build$/ }, (args) =>
      args.importer.startsWith(argon2Dir + sep) ? { path: 'argon2-addon', namespace: 'embedded' } : undefined,
    );
    bundler.onLoad({ filter: /.*/, namespace: 'embedded' }, () => ({
      contents: [
        `const { embeddedFiles } = require(${JSON.stringify(embeddedFilesModule)});`,
        'module.exports = () => require(embeddedFiles().argon2Addon);',
      ].join('\n'),
      loader: 'js',
      resolveDir: serverDir,
    }));
  },
};
// yargs, cliui and wrap-ansi measure text with string-width, whose module sets up an Intl.Segmenter (ICU's
// segmentation data) and its regular expressions when it is evaluated — and yargs lays out its help text on every
// command named on the command line, for later. In the executable, printable ASCII (every text of ours) is measured
// as its length, one column a character, as string-width measures it; only other text evaluates the module.
const lazyStringWidthPlugin = {
  name: 'lazy-string-width',
  setup(bundler) {
    bundler.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData?.real) return undefined;
      const real = await bundler.resolve(args.path, {
        resolveDir: args.resolveDir,
        kind: args.kind,
        importer: args.importer,
        pluginData: { real: true },
      });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    bundler.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: [
        'let real;',
        'export default function stringWidth(text, options) {',
        "  if (typeof text === 'string' && /^[\\x20-\\x7e]*$/.test(text)) return text.length;",
        `  real ??= require(${JSON.stringify(args.path)}).default;`,
        '  return real(text, options);',
        '}',
      ].join('\n'),
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};
const bundle = join(work, 'registry-admin.cjs');
const result = await build({
  entryPoints: [join(serverDir, 'src/single-executable.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  // pg's optional native client, loaded only when asked for (never here).
  external: ['pg-native'],
  // ESM dependencies (yargs) ask for their own location; in the executable every module is the executable itself.
  define: { 'import.meta.url': '__importMetaUrl', 'import.meta.dirname': '__dirname' },
  // The main script of a SEA gets a require() limited to built-in modules; the addons need Node's full one.
  banner: {
    js: [
      "require = require('node:module').createRequire(__filename);",
      "var __importMetaUrl = require('node:url').pathToFileURL(__filename).href;",
    ].join('\n'),
  },
  plugins: [argon2AddonPlugin, lazyStringWidthPlugin],
  metafile: true,
  logLevel: 'error',
});
hash.update(readFileSync(bundle));
const id = hash.digest('hex').slice(0, 16);
const manifest = join(work, 'manifest.json');
writeFileSync(manifest, JSON.stringify({ id, web, files: [...assets.keys()] }));

const seaConfig = join(work, 'sea-config.json');
const blob = join(work, 'registry-admin.blob');
writeFileSync(
  seaConfig,
  JSON.stringify({
    main: bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    assets: { 'manifest.json': manifest, ...Object.fromEntries(assets) },
  }),
);
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'inherit'] });

mkdirSync(outDir, { recursive: true });
rmSync(executable, { force: true });
copyFileSync(process.execPath, executable);
chmodSync(executable, 0o755);
// Node's own debug symbols are most of the binary's size and of no use to it; its dynamic symbols (which addons link
// against) stay. Skipped where binutils is missing.
try {
  execFileSync('strip', ['--strip-all', executable], { stdio: 'ignore' });
} catch {
  console.warn('package-executable: strip not found, the executable keeps its debug symbols');
}
await inject(executable, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
rmSync(work, { recursive: true, force: true });

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const bundleBytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
const assetBytes = [...assets.values()].reduce((sum, file) => sum + statSync(file).size, 0);
console.log(
  `${relative(process.cwd(), executable) || executable}: ${mib(statSync(executable).size)} ` +
    `(Node ${process.version} runtime, server bundle ${mib(bundleBytes)}, ${assets.size} embedded files ${mib(assetBytes)}${web ? ', web UI included' : ', no web UI'})`,
);
