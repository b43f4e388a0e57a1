/** Runs the built `registry-admin` executable as a separate process, the way users run it. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startProcess, waitForHttp } from '@registry-admin/test-support';

export const CLI = resolve(import.meta.dirname, '../../../dist/cli.js');

/** How the server process ended: its exit code, or the signal that ended it. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningRegistryAdmin {
  /** `http://127.0.0.1:<port>`, as the server announced it. */
  url: string;
  port: number;
  dataDir: string;
  adminPassword: string;
  /** HTTP Basic header of the admin. */
  adminAuth: string;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /**
   * Sends `signal` (SIGTERM by default; SIGKILL after 5 s) and waits for the exit. Removes the data dir only when the
   * harness created it, so a caller's own data dir survives for a restart.
   */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  /** SIGKILL, no shutdown; same clean-up as stop(). */
  kill(): Promise<Exit>;
}

export interface StartRegistryAdminOptions {
  /** Reused as is and kept on stop(); without it a temporary one is created and removed on stop(). */
  dataDir?: string;
  /** 0 (the default) lets the server pick; a fixed one when its URL must be known before it starts. */
  port?: number;
  /** Added to this process's environment, e.g. RA_* settings. */
  env?: NodeJS.ProcessEnv;
}

export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { timeout: 60_000, env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => {
        resolveRun({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A port free right now, for a server whose address must be known before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts `node dist/cli.js serve` on 127.0.0.1 with a generated admin password, and resolves once `/readyz` is 200.
 * `args` go after the harness's own flags, so they can add to or override them (the last flag wins).
 *
 * @example
 * const server = await startRegistryAdmin(['--registry.service', 'e2e-registry']);
 * await fetch(`${server.url}/api/v1/users`, { headers: { authorization: server.adminAuth } });
 * await server.stop();
 */
export async function startRegistryAdmin(
  args: string[] = [],
  options: StartRegistryAdminOptions = {},
): Promise<RunningRegistryAdmin> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'ra-server-')));
  const adminPassword = randomBytes(12).toString('base64url');
  const server = startProcess(
    process.execPath,
    [
      CLI,
      'serve',
      '--listen',
      '127.0.0.1',
      '--port',
      String(options.port ?? 0),
      '--data-dir',
      dataDir,
      // `=` keeps a password that starts with '-' from being read as an option.
      `--store.admin-password=${adminPassword}`,
      '--logger.level',
      'warn',
      ...args,
    ],
    options.env ? { env: options.env } : {},
  );
  const cleanUp = async (): Promise<Exit> => {
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    return { code: server.child.exitCode, signal: server.child.signalCode };
  };
  let url: string;
  try {
    // Generous: a loaded 2-core machine can take this long to start Node and open the store.
    const match = await server.waitFor(/listening on (https?:\/\/\S+)/, 90_000);
    url = match[1] as string;
    await waitForHttp(`${url}/readyz`, (status) => status === 200);
  } catch (error) {
    await server.stop('SIGKILL');
    await cleanUp();
    throw error;
  }
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    adminPassword,
    adminAuth: `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}`,
    logs: server.logs,
    async stop(signal = 'SIGTERM') {
      await server.stop(signal);
      return cleanUp();
    },
    async kill() {
      await server.stop('SIGKILL');
      return cleanUp();
    },
  };
}

/** The registry's `auth.token` and `notifications` fragments, as `registry-config --format json` prints them. */
export interface RegistryConfigFragment {
  auth: { token: { realm: string; service: string; issuer: string; rootcertbundle: string } };
  notifications: unknown;
}

/**
 * The registry config fragment the server prints for itself (it need not run yet: data dir and URL suffice). Pass
 * the same `--registry.*` flags the server gets, so service and issuer agree.
 *
 * @example
 * const fragment = await registryConfig(server, ['--registry.service', 'e2e-registry']);
 * const registry = await startRegistry({ auth: fragment.auth.token, notifications: fragment.notifications });
 */
export async function registryConfig(
  server: { dataDir: string; url: string },
  args: string[] = [],
): Promise<RegistryConfigFragment> {
  const result = await runCli([
    'registry-config',
    '--format',
    'json',
    '--data-dir',
    server.dataDir,
    '--public-url',
    server.url,
    ...args,
  ]);
  if (result.code !== 0) throw new Error(`registry-config failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as RegistryConfigFragment;
}
