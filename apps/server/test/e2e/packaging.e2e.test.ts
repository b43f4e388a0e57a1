/**
 * The single executable and the container image, run as an operator runs them. The executable is built once here
 * (scripts/package-executable.mjs, as `pnpm package` does) and both suites use it:
 * - the executable alone, with an empty environment (no PATH, so no node to fall back on): --version, --help, serve
 *   with its web UI, the healthcheck command, and the token the real registry accepts for a skopeo push;
 * - the image (docker/build-image.mjs, `buildah bud`), mounted with `buildah mount` and started by `chroot` into it as
 *   its unprivileged user (no container runtime can run here): its configuration, /healthz, the healthcheck its
 *   HEALTHCHECK runs, a skopeo push with its token, and a graceful stop on SIGTERM.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  buildOciImage,
  copyToRegistry,
  describeE2E,
  inspect,
  type OciImage,
  type RunningRegistry,
  startProcess,
  startRegistry,
  type Watched,
  waitForHttp,
} from '@registry-admin/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './harness/registry-admin';

const ROOT = resolve(import.meta.dirname, '../../../..');
const WEB_BUILT = await stat(join(ROOT, 'apps/web/dist/index.html')).then(
  () => true,
  () => false,
);

function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeout?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      { timeout: options.timeout ?? 60_000, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Resolves with the exit once `watched` has stopped after `signal`; never SIGKILLs. */
function stopWith(watched: Watched, signal: NodeJS.Signals): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((done) => {
    const { child } = watched;
    const finish = () => done({ code: child.exitCode, signal: child.signalCode });
    if (child.exitCode !== null || child.signalCode !== null) return finish();
    child.once('exit', finish);
    child.kill(signal);
  });
}

describeE2E('the single executable and the container image', () => {
  let work: string;
  let executable: string;
  let registries: RunningRegistry[] = [];
  let image: OciImage;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ra-package-e2e-'));
    const built = await run(
      process.execPath,
      [join(ROOT, 'scripts/package-executable.mjs'), '--out', join(work, 'out')],
      {
        timeout: 600_000,
      },
    );
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/registry-admin: [\d.]+ MiB/);
    executable = join(work, 'out', 'registry-admin');
    image = await buildOciImage(join(work, 'oci'), { tag: 'v1', seed: 'packaging' });
  }, 600_000);

  afterAll(async () => {
    for (const registry of registries) await registry.stop();
    registries = [];
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** A real registry that trusts the server whose `registry-config --format json` printed `fragment`. */
  async function registryFor(fragment: string, certsOnHost: (path: string) => string = (path) => path) {
    const { auth } = JSON.parse(fragment) as {
      auth: { token: { realm: string; service: string; issuer: string; rootcertbundle: string } };
    };
    const registry = await startRegistry({
      auth: { ...auth.token, rootcertbundle: certsOnHost(auth.token.rootcertbundle) },
    });
    registries.push(registry);
    return registry;
  }

  describe('executable', () => {
    /** The executable with nothing from this environment: no PATH (no node), no HOME. */
    const bare = (args: string[], env: Record<string, string> = {}) => [
      '-i',
      ...Object.entries(env).map(([name, value]) => `${name}=${value}`),
      executable,
      ...args,
    ];

    it('is one file that answers --version and --help with an empty environment', async () => {
      const version = await run('env', bare(['--version'], { XDG_CACHE_HOME: join(work, 'cache') }));
      expect(version.code, version.stderr).toBe(0);
      const ours = JSON.parse(await readFile(join(ROOT, 'apps/server/package.json'), 'utf8')) as { version: string };
      expect(version.stdout.trim()).toBe(ours.version);
      const help = await run('env', bare(['--help'], { XDG_CACHE_HOME: join(work, 'cache') }));
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/registry-config/);
      expect(help.stdout).toMatch(/healthcheck/);
      expect(help.stdout).toMatch(/--registry\.token-ttl/);
      // Without XDG_CACHE_HOME and HOME it unpacks into a private folder in the temporary directory.
      const temporary = await mkdtemp(join(work, 'tmp-'));
      const fallback = await run('env', bare(['--version'], { TMPDIR: temporary }));
      expect(fallback.code, fallback.stderr).toBe(0);
      const unpacked = await stat(join(temporary, `registry-admin-${process.getuid?.()}`));
      expect(unpacked.mode & 0o777).toBe(0o700);
    });

    it('serves /healthz, the web UI and the API docs, and issues the token the real registry takes for a push', async () => {
      const dataDir = join(work, 'data');
      const cache = join(work, 'cache');
      const password = randomBytes(12).toString('base64url');
      const port = await freePort();
      const server = startProcess(
        'env',
        bare(
          [
            'serve',
            '--listen',
            '127.0.0.1',
            '--port',
            String(port),
            '--data-dir',
            dataDir,
            `--store.admin-password=${password}`,
          ],
          { XDG_CACHE_HOME: cache },
        ),
      );
      try {
        const [, url] = (await server.waitFor(/listening on (http:\/\/\S+)/, 60_000)) as string[];
        await waitForHttp(`${url}/healthz`, (status) => status === 200);
        expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
        if (WEB_BUILT) {
          const page = await fetch(`${url}/`, { headers: { accept: 'text/html' } });
          expect(page.status).toBe(200);
          expect(await page.text()).toMatch(/<div id="root">/);
        }
        const docs = await fetch(`${url}/api/v1/docs/static/swagger-ui.css`);
        expect(docs.status).toBe(200);
        // The addons were unpacked into the private cache, not next to the executable.
        const unpacked = server.logs().match(/web UI served from (\S+)\/web/)?.[1];
        if (WEB_BUILT) expect(unpacked?.startsWith(join(cache, 'registry-admin'))).toBe(true);

        const probe = await run('env', bare(['healthcheck', '--port', String(port), '--listen', '127.0.0.1']));
        expect(probe.code, probe.stderr).toBe(0);
        expect(probe.stdout).toMatch(/healthy/);

        const fragment = await run(
          'env',
          bare(['registry-config', '--format', 'json', '--data-dir', dataDir, '--public-url', url as string], {
            XDG_CACHE_HOME: cache,
          }),
        );
        expect(fragment.code, fragment.stderr).toBe(0);
        const registry = await registryFor(fragment.stdout);
        const ref = `${registry.host}/packaged/app:v1`;
        const admin = { username: 'admin', password };
        const pushed = await copyToRegistry(image.dir, 'v1', ref, admin);
        expect(pushed.code, pushed.stderr).toBe(0);
        expect((await inspect(ref, admin)).digest).toBe(image.manifestDigest);
        const refused = await copyToRegistry(image.dir, 'v1', ref, { username: 'admin', password: `${password}x` });
        expect(refused.code).not.toBe(0);
      } finally {
        const exit = await stopWith(server, 'SIGTERM');
        expect(exit, server.logs()).toEqual({ code: 0, signal: null });
      }
      const down = await run('env', bare(['healthcheck', '--port', String(port), '--listen', '127.0.0.1']));
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/unhealthy/);
    });
  });

  describeE2E(
    'container image (buildah, started by chroot)',
    () => {
      const tag = `localhost/registry-admin-e2e-${randomBytes(4).toString('hex')}`;
      let container: string | undefined;
      let mount: string;
      let config: {
        User: string;
        Env: string[];
        ExposedPorts: Record<string, unknown>;
        Volumes: Record<string, unknown>;
        Healthcheck: { Test: string[] };
        StopSignal: string;
        Entrypoint: string[];
        Cmd: string[];
      };

      beforeAll(async () => {
        const built = await run(
          process.execPath,
          [
            join(ROOT, 'docker/build-image.mjs'),
            '--executable',
            executable,
            '--context',
            join(work, 'image-context'),
            '--tag',
            tag,
          ],
          { timeout: 300_000 },
        );
        expect(built.code, built.stderr).toBe(0);
        expect(built.stdout).toMatch(/image \w+ [\d.]+ [kMG]?B/);
        const inspected = await run('buildah', ['inspect', '--type', 'image', tag]);
        config = (JSON.parse(inspected.stdout) as { Docker: { config: typeof config } }).Docker.config;
        const from = await run('buildah', ['from', tag]);
        expect(from.code, from.stderr).toBe(0);
        container = from.stdout.trim();
        const mounted = await run('buildah', ['mount', container]);
        expect(mounted.code, mounted.stderr).toBe(0);
        mount = mounted.stdout.trim();
      }, 300_000);

      afterAll(async () => {
        if (container) {
          await run('buildah', ['umount', container]);
          await run('buildah', ['rm', container]);
        }
        await run('buildah', ['rmi', '--force', tag]);
      });

      /** The image's entrypoint run as its user inside the mounted image, with its environment plus `env`. */
      const inImage = (args: string[], env: Record<string, string> = {}) => [
        '-i',
        ...config.Env,
        ...Object.entries(env).map(([name, value]) => `${name}=${value}`),
        'chroot',
        `--userspec=${config.User}`,
        mount,
        ...config.Entrypoint,
        ...args,
      ];
      const chrootEnv = { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` };

      it('runs unprivileged with /data as its volume, the ports, a health check and SIGTERM', () => {
        expect(config.User).toBe('10001:10001');
        expect(Object.keys(config.Volumes)).toEqual(['/data']);
        expect(Object.keys(config.ExposedPorts).sort()).toEqual(['443/tcp', '80/tcp', '8080/tcp']);
        expect(config.Healthcheck.Test).toEqual(['CMD', '/usr/local/bin/registry-admin', 'healthcheck']);
        expect(config.StopSignal).toBe('SIGTERM');
        expect(config.Env).toContain('RA_DATA_DIR=/data');
        expect(config.Cmd).toEqual(['serve']);
      });

      it('answers --help from inside the image', async () => {
        const help = await run('env', inImage(['--help']), { env: chrootEnv });
        expect(help.code, help.stderr).toBe(0);
        expect(help.stdout).toMatch(/registry-config/);
      });

      it('serves /healthz, passes its own HEALTHCHECK, issues tokens for a skopeo push and stops on SIGTERM', async () => {
        const port = await freePort();
        const password = randomBytes(12).toString('base64url');
        // What `docker run -e RA_LISTEN=… -e RA_PORT=…` would set; the healthcheck sees the same environment.
        const env = { RA_LISTEN: '127.0.0.1', RA_PORT: String(port) };
        const server = startProcess('env', inImage([...config.Cmd, `--store.admin-password=${password}`], env), {
          env: chrootEnv,
        });
        try {
          const [, url] = (await server.waitFor(/listening on (http:\/\/\S+)/, 60_000)) as string[];
          await waitForHttp(`${url}/healthz`, (status) => status === 200);
          const health = await run('env', inImage(config.Healthcheck.Test.slice(2), env), { env: chrootEnv });
          expect(health.code, health.stderr).toBe(0);
          // The database and certificates are in the volume, owned by the image's user.
          const database = await stat(join(mount, 'data/registry-admin.db'));
          expect(database.uid).toBe(10001);

          const fragment = await run(
            'env',
            inImage(['registry-config', '--format', 'json', '--public-url', url as string], env),
            { env: chrootEnv },
          );
          expect(fragment.code, fragment.stderr).toBe(0);
          // The bundle path is the one inside the image; the registry runs outside it.
          const registry = await registryFor(fragment.stdout, (path) => join(mount, path));
          const ref = `${registry.host}/imaged/app:v1`;
          const pushed = await copyToRegistry(image.dir, 'v1', ref, { username: 'admin', password });
          expect(pushed.code, pushed.stderr).toBe(0);
        } finally {
          const exit = await stopWith(server, config.StopSignal as NodeJS.Signals);
          expect(exit, server.logs()).toEqual({ code: 0, signal: null });
        }
        expect(server.logs()).toMatch(/received SIGTERM, shutting down/);
      });
    },
    { tools: ['buildah'] },
  );
});
