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
  stop(): Promise<void>;
}

export async function startRegistry(
  options: { auth?: RegistryAuth; deleteEnabled?: boolean; notifications?: unknown } = {},
): Promise<RunningRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'ra-registry-'));
  const config = {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: join(dir, 'data') },
      delete: { enabled: options.deleteEnabled ?? true },
    },
    http: { addr: '127.0.0.1:0', secret: 'e2e-test-secret' },
    ...(options.auth ? { auth: { token: options.auth } } : {}),
    ...(options.notifications ? { notifications: options.notifications } : {}),
  };
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, stringify(config));
  const process = startProcess('docker-registry', ['serve', configPath]);
  const match = await process.waitFor(/listening on (127\.0\.0\.1:\d+)/);
  const host = match[1] as string;
  const url = `http://${host}`;
  await waitForHttp(`${url}/v2/`, (status) => status === 200 || status === 401);
  return {
    url,
    host,
    dir,
    logs: process.logs,
    async stop() {
      await process.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
