/**
 * Entry point of the single executable (`pnpm package`, scripts/package-executable.mjs). It carries its files as
 * assets: the native addons (which Node loads only from disk), the web UI and the API docs page's assets. They are
 * unpacked once per build into a private cache directory, then the command line runs exactly as `dist/cli.js` runs it.
 *
 * Where: `$XDG_CACHE_HOME/registry-admin`, else `$HOME/.cache/registry-admin`, else `<tmpdir>/registry-admin-<uid>`;
 * the first that is (or can be made) a directory of this user that no one else may write to. A build unpacks into a
 * folder named by its content hash, written under a temporary name and renamed when complete, so concurrent starts
 * and interrupted ones never see half a folder.
 */
import { lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { getAsset } from 'node:sea';
import { setEmbeddedFiles } from './runtime/embedded-files';

interface Manifest {
  /** Content hash of the build's files. */
  id: string;
  /** Whether the build carries the web UI. */
  web: boolean;
  /** Asset keys, which are also their paths below the unpacked folder. */
  files: string[];
}

const COMPLETE = '.complete';

function cacheRoots(env: NodeJS.ProcessEnv): string[] {
  const uid = process.getuid?.() ?? 0;
  return [
    ...(env.XDG_CACHE_HOME ? [join(env.XDG_CACHE_HOME, 'registry-admin')] : []),
    ...(env.HOME ? [join(env.HOME, '.cache', 'registry-admin')] : []),
    join(tmpdir(), `registry-admin-${uid}`),
  ];
}

/** Creates `dir` (0700) if needed; true when it is a real directory of this user that others cannot write to. */
function isPrivateDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function isUnpacked(dir: string): boolean {
  try {
    return statSync(join(dir, COMPLETE)).isFile();
  } catch {
    return false;
  }
}

function unpack(manifest: Manifest, env: NodeJS.ProcessEnv): string {
  const roots = cacheRoots(env);
  const root = roots.find(isPrivateDir);
  if (!root) {
    throw new Error(
      `no private cache directory to unpack into (tried ${roots.join(', ')}): set XDG_CACHE_HOME to a writable directory`,
    );
  }
  const target = join(root, manifest.id);
  if (isUnpacked(target)) return target;
  const partial = mkdtempSync(join(root, `${manifest.id}.partial-`));
  try {
    for (const key of manifest.files) {
      const file = join(partial, key);
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, new Uint8Array(getAsset(key)), { mode: 0o600 });
    }
    writeFileSync(join(partial, COMPLETE), '');
    rmSync(target, { recursive: true, force: true });
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    // Another start of the same build may have finished first.
    if (isUnpacked(target)) return target;
    throw error;
  }
  return target;
}

async function start(): Promise<void> {
  const manifest = JSON.parse(getAsset('manifest.json', 'utf8')) as Manifest;
  const dir = unpack(manifest, process.env);
  setEmbeddedFiles({
    ...(manifest.web ? { webDir: join(dir, 'web') } : {}),
    swaggerUiDir: join(dir, 'swagger-ui'),
    sqliteAddon: join(dir, 'addons/better_sqlite3.node'),
    argon2Addon: join(dir, 'addons/argon2.node'),
  });
  // Loaded only now: argon2 looks for its addon when its module is evaluated.
  const { main } = await import('./cli');
  main(process.argv.slice(2));
}

start().catch((error: unknown) => {
  process.stderr.write(`registry-admin: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
