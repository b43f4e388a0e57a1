/**
 * End to end with the real registry and skopeo: service accounts, personal access tokens, and docker's login
 * sequence with refresh tokens (offline_token=true, then POST grant_type=refresh_token as docker sends it).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildOciImage,
  type Credentials,
  copyFromRegistry,
  copyToRegistry,
  describeE2E,
  inspect,
  type OciImage,
  type RunningRegistry,
  startRegistry,
} from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningRegistryAdmin, registryConfig, startRegistryAdmin } from './harness/registry-admin';

const SERVICE = 'e2e-registry';

describeE2E('service accounts, personal access tokens and refresh tokens with the real registry', () => {
  let server: RunningRegistryAdmin;
  let registry: RunningRegistry;
  let image: OciImage;
  let userId: number;
  const owner: Credentials = { username: 'owner', password: 'owner-password' };

  async function api(method: string, path: string, body?: unknown, authorization = server.adminAuth) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  const basicOf = (c: Credentials) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  const ref = (repository: string, tag = 'v1') => `${registry.host}/${repository}:${tag}`;

  beforeAll(async () => {
    server = await startRegistryAdmin(['--registry.service', SERVICE]);
    const fragment = await registryConfig(server, ['--registry.service', SERVICE]);
    registry = await startRegistry({ auth: fragment.auth.token });
    userId = (await api('POST', '/api/v1/users', { login: owner.username, password: owner.password })).id;
    await api('POST', '/api/v1/access-rules', {
      subjectType: 'user',
      subjectId: userId,
      pattern: 'owner/**',
      actions: ['pull', 'push'],
    });
    image = await buildOciImage(join(await mkdtemp(join(tmpdir(), 'ra-cred-images-')), 'img'), {
      tag: 'v1',
      seed: 'creds',
    });
    expect((await copyToRegistry(image.dir, 'v1', ref('owner/app'), owner)).code).toBe(0);
  });
  afterAll(async () => {
    await registry?.stop();
    await server?.stop();
  });

  it('lets a service account push under its own rules, and refuses it after it is disabled', async () => {
    const account = await api('POST', '/api/v1/service-accounts', { name: 'deployer' });
    await api('POST', '/api/v1/access-rules', {
      subjectType: 'service-account',
      subjectId: account.id,
      pattern: 'deploy/*',
      actions: ['pull', 'push'],
    });
    const creds = { username: 'deployer', password: account.secret as string };
    const pushed = await copyToRegistry(image.dir, 'v1', ref('deploy/app'), creds);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect((await inspect(ref('deploy/app'), creds)).digest).toBe(image.manifestDigest);
    expect((await copyToRegistry(image.dir, 'v1', ref('owner/other'), creds)).code).not.toBe(0);
    await api('PUT', `/api/v1/service-accounts/${account.id}`, { disabled: true });
    expect((await inspect(ref('deploy/app'), creds)).code).not.toBe(0);
  });

  it('lets a pull-only personal access token pull but not push; a revoked or expired one is refused', async () => {
    const pat = await api('POST', '/api/v1/tokens', { name: 'pull only', readOnly: true }, basicOf(owner));
    const creds = { username: owner.username, password: pat.token as string };
    const dest = await mkdtemp(join(tmpdir(), 'ra-pat-pull-'));
    const pulled = await copyFromRegistry(ref('owner/app'), dest, creds);
    expect(pulled.code, pulled.stderr).toBe(0);
    const pushed = await copyToRegistry(image.dir, 'v1', ref('owner/app', 'pat'), creds);
    expect(pushed.code).not.toBe(0);
    expect((await inspect(ref('owner/app', 'pat'), owner)).code).not.toBe(0);
    await api('DELETE', `/api/v1/tokens/${pat.id}`, undefined, basicOf(owner));
    expect((await inspect(ref('owner/app'), creds)).code).not.toBe(0);

    const expiring = await api(
      'POST',
      '/api/v1/tokens',
      { name: 'expiring', expiresAt: new Date(Date.now() + 2500).toISOString() },
      basicOf(owner),
    );
    const expiringCreds = { username: owner.username, password: expiring.token as string };
    expect((await inspect(ref('owner/app'), expiringCreds)).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await inspect(ref('owner/app'), expiringCreds)).code).not.toBe(0);
  });

  it('runs docker login with offline_token=true and POST refresh grants, twice, until the client is revoked', async () => {
    const realm = `${server.url}/api/v1/registry/auth`;
    // docker login: GET without scope, Basic credentials, offline_token=true, client_id=docker, account=<user>.
    const login = await fetch(
      `${realm}?account=${owner.username}&client_id=docker&offline_token=true&service=${SERVICE}`,
      {
        headers: { authorization: basicOf(owner) },
      },
    );
    expect(login.status).toBe(200);
    const { token: loginToken, refresh_token: refreshToken } = (await login.json()) as {
      token: string;
      refresh_token: string;
    };
    expect(refreshToken).toBeTruthy();
    // ...then GET /v2/ with that token must answer 200.
    expect((await fetch(`${registry.url}/v2/`, { headers: { authorization: `Bearer ${loginToken}` } })).status).toBe(
      200,
    );

    // docker stores the refresh token as identity token and sends it for every pull/push, exactly so:
    const refreshGrant = () =>
      fetch(realm, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: 'docker',
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          scope: 'repository:owner/app:pull',
          service: SERVICE,
        }).toString(),
      });
    for (let i = 0; i < 2; i++) {
      const response = await refreshGrant();
      expect(response.status).toBe(200);
      const body = (await response.json()) as { access_token: string; expires_in: number; scope: string };
      expect(body.scope).toBe('repository:owner/app:pull');
      expect(body.expires_in).toBeGreaterThan(0);
      const manifest = await fetch(`${registry.url}/v2/owner/app/manifests/v1`, {
        method: 'HEAD',
        headers: {
          authorization: `Bearer ${body.access_token}`,
          accept: 'application/vnd.oci.image.manifest.v1+json',
        },
      });
      expect(manifest.status).toBe(200);
      expect(manifest.headers.get('docker-content-digest')).toBe(image.manifestDigest);
    }

    const clients = (await api('GET', '/api/v1/clients', undefined, basicOf(owner))) as Array<{
      id: number;
      clientId: string;
    }>;
    const docker = clients.find((client) => client.clientId === 'docker');
    expect(docker).toBeTruthy();
    await api('DELETE', `/api/v1/clients/${docker?.id}`, undefined, basicOf(owner));
    const refused = await refreshGrant();
    expect(refused.status).toBe(401);
  });
});
