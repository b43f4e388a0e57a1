/** Runs the real registry (`docker-registry` 2.8 from Debian) on 127.0.0.1 with a port it picks itself. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startProcess, waitForHttp } from './processes';

export interface RegistryAuth {
  realm: string;
  service: string;
  issuer: string;
  rootcertbundle: string;
}

export interface RunningRegistry {
  url: string;
  /** host:port, as image references name it. */
  host: string;
  dir: string;
  logs(): string;
  /** Stops the process answering (SIGSTOP) until `resume()`: requests to it hang, as to a registry that froze. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Token authentication (`auth.token`). */
  auth?: RegistryAuth;
  /** htpasswd authentication instead: the file the registry reads (on every request). */
  htpasswd?: string;
  deleteEnabled?: boolean;
  notifications?: unknown;
  /** A fixed port (default: one the registry picks). */
  port?: number;
  /** Serve HTTPS with this PEM certificate and key. */
  tls?: { certificate: string; key: string };
  /** Reuse this storage directory (kept on stop) instead of a new one. */
  storageDir?: string;
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'ra-registry-'));
  const config = {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: options.storageDir ?? join(dir, 'data') },
      delete: { enabled: options.deleteEnabled ?? true },
    },
    http: {
      addr: `127.0.0.1:${options.port ?? 0}`,
      secret: 'e2e-test-secret',
      ...(options.tls ? { tls: options.tls } : {}),
    },
    ...(options.auth ? { auth: { token: options.auth } } : {}),
    ...(options.htpasswd ? { auth: { htpasswd: { realm: 'e2e-registry', path: options.htpasswd } } } : {}),
    ...(options.notifications ? { notifications: options.notifications } : {}),
  };
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, stringify(config));
  const process = startProcess('docker-registry', ['serve', configPath]);
  const match = await process.waitFor(/listening on (127\.0\.0\.1:\d+)/);
  const host = match[1] as string;
  const url = `${options.tls ? 'https' : 'http'}://${host}`;
  // Over TLS its certificate is the test's own: the "listening" line is the sign it is up.
  if (!options.tls) await waitForHttp(`${url}/v2/`, (status) => status === 200 || status === 401);
  return {
    url,
    host,
    dir,
    logs: process.logs,
    pause: () => process.child.kill('SIGSTOP'),
    resume: () => process.child.kill('SIGCONT'),
    async stop() {
      process.child.kill('SIGCONT');
      await process.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
