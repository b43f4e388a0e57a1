/** Runs the built `registry-admin` executable as a separate process, the way users run it. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startProcess, waitForHttp } from '@registry-admin/test-support';

export const CLI = resolve(import.meta.dirname, '../../../dist/cli.js');

export interface RunningRegistryAdmin {
  url: string;
  dataDir: string;
  adminPassword: string;
  logs(): string;
  stop(): Promise<void>;
  /** HTTP Basic header of the admin. */
  adminAuth: string;
}

export function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolveRun({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
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

export async function startRegistryAdmin(
  args: string[] = [],
  options: { dataDir?: string; port?: number } = {},
): Promise<RunningRegistryAdmin> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'ra-server-')));
  const adminPassword = randomBytes(12).toString('base64url');
  const process_ = startProcess(process.execPath, [
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
  ]);
  const match = await process_.waitFor(/listening on (https?:\/\/\S+)/);
  const url = match[1] as string;
  await waitForHttp(`${url}/readyz`, (status) => status === 200);
  return {
    url,
    dataDir,
    adminPassword,
    logs: process_.logs,
    adminAuth: `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}`,
    async stop() {
      await process_.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The registry config fragment the server prints for itself (it need not run yet: data dir and URL suffice). */
export async function registryConfig(server: { dataDir: string; url: string }, args: string[] = []) {
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
  return JSON.parse(result.stdout) as {
    auth: { token: { realm: string; service: string; issuer: string; rootcertbundle: string } };
    notifications: unknown;
  };
}
