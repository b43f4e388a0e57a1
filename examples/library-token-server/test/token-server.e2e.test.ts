/**
 * End to end: the built example (`dist/main.js`) is the token server of a real registry, and skopeo pushes and pulls
 * through it exactly as the YAML rules say; the OAuth2 POST form, driven with fetch (skopeo asks with GET only),
 * yields a token the registry accepts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  buildOciImage,
  type Credentials,
  copyFromRegistry,
  copyToRegistry,
  describeE2E,
  inspect,
  type OciImage,
  type RunningRegistry,
  startProcess,
  startRegistry,
  type Watched,
} from '@registry-admin/test-support';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, expect, it } from 'vitest';

const MAIN = resolve(import.meta.dirname, '../dist/main.js');
const SERVICE = 'example-registry';
const ISSUER = 'example-issuer';

const writer: Credentials = { username: 'writer', password: 'writer-password' };
const reader: Credentials = { username: 'reader', password: 'reader-password' };
const outsider: Credentials = { username: 'outsider', password: 'outsider-password' };

describeE2E('library-token-server with the real registry and skopeo', () => {
  let dir: string;
  let server: Watched;
  let tokenUrl: string;
  let registry: RunningRegistry;
  let image: OciImage;
  let other: OciImage;
  const ref = (repository: string, tag = 'v1') => `${registry.host}/${repository}:${tag}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-example-'));
    // Cost 4: the hashes are real bcrypt, only cheaper to check on a loaded test machine.
    const hash = (password: string) => bcrypt.hashSync(password, 4);
    const config = `
port: 0
service: ${SERVICE}
issuer: ${ISSUER}
certsDir: certs
users:
  writer: { passwordHash: "${hash(writer.password)}", groups: [team] }
  reader: { passwordHash: "${hash(reader.password)}" }
  outsider: { passwordHash: "${hash(outsider.password)}" }
rules:
  - { subject: { group: team }, pattern: "team/**", actions: [pull, push] }
  - { subject: { user: reader }, pattern: "team/**", actions: [pull] }
  - { subject: { group: team }, pattern: "public/*", actions: [push] }
  - { subject: everyone, pattern: "public/*", actions: [pull] }
`;
    await writeFile(join(dir, 'config.yaml'), config);
    server = startProcess(process.execPath, [MAIN, '--config', join(dir, 'config.yaml')]);
    const listening = await server.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    tokenUrl = `${listening[1]}/auth`;
    registry = await startRegistry({
      auth: {
        realm: tokenUrl,
        service: SERVICE,
        issuer: ISSUER,
        rootcertbundle: join(dir, 'certs/registry_auth_ca.crt'),
      },
    });
    const images = await mkdtemp(join(dir, 'images-'));
    image = await buildOciImage(join(images, 'one'), { tag: 'v1', seed: 'example-one' });
    other = await buildOciImage(join(images, 'two'), { tag: 'v1', seed: 'example-two' });
  });

  afterAll(async () => {
    await registry?.stop();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lets a user with push rights push, and the registry holds what was built', async () => {
    const pushed = await copyToRegistry(image.dir, 'v1', ref('team/app'), writer);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect((await inspect(ref('team/app'), writer)).digest).toBe(image.manifestDigest);
  });

  it('refuses a push with pull-only rights, and nothing is stored', async () => {
    const pushed = await copyToRegistry(other.dir, 'v1', ref('team/app', 'v2'), reader);
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toMatch(/denied|unauthorized|authentication required/i);
    expect((await inspect(ref('team/app', 'v2'), writer)).code).not.toBe(0);
  });

  it('lets a pull-only user pull, and refuses a user without rights and a wrong password', async () => {
    const pulled = await copyFromRegistry(ref('team/app'), await mkdtemp(join(dir, 'pull-')), reader);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect((await inspect(ref('team/app'), outsider)).code).not.toBe(0);
    const wrong = await inspect(ref('team/app'), { username: 'reader', password: 'not-the-password' });
    expect(wrong.code).not.toBe(0);
    expect(server.logs()).toMatch(/authentication failed for user "reader" from 127\.0\.0\.1$/m);
  });

  it('lets anonymous pull what everyone may pull, and nothing else', async () => {
    expect((await copyToRegistry(image.dir, 'v1', ref('public/app'), writer)).code).toBe(0);
    const anonymous = await inspect(ref('public/app'));
    expect(anonymous.code, anonymous.stderr).toBe(0);
    expect(anonymous.digest).toBe(image.manifestDigest);
    expect((await inspect(ref('team/app'))).code).not.toBe(0);
    expect((await copyToRegistry(other.dir, 'v1', ref('public/app', 'v2'))).code).not.toBe(0);
  });

  it('answers the OAuth2 password grant with a token the registry accepts, limited to the granted scope', async () => {
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        service: SERVICE,
        client_id: 'e2e',
        username: reader.username,
        password: reader.password,
        scope: 'repository:team/app:pull,push',
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.token).toBeUndefined();
    expect(body.scope).toBe('repository:team/app:pull');
    const bearer = { authorization: `Bearer ${String(body.access_token)}` };

    const manifest = await fetch(`${registry.url}/v2/team/app/manifests/v1`, {
      headers: { ...bearer, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('docker-content-digest')).toBe(image.manifestDigest);
    // The token carries pull only: the registry refuses to start an upload with it.
    const upload = await fetch(`${registry.url}/v2/team/app/blobs/uploads/`, { method: 'POST', headers: bearer });
    expect(upload.status).toBe(401);
  });

  it('refuses a token for another account than the credentials, and another service', async () => {
    const basic = `Basic ${Buffer.from(`${reader.username}:${reader.password}`).toString('base64')}`;
    const mismatch = await fetch(`${tokenUrl}?service=${SERVICE}&account=writer&scope=repository:team/app:push`, {
      headers: { authorization: basic },
    });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toEqual({
      errors: [{ code: 'INVALID_REQUEST', message: 'account does not match the credentials' }],
    });
    const otherService = await fetch(`${tokenUrl}?service=another-registry`, { headers: { authorization: basic } });
    expect(otherService.status).toBe(400);
  });
});
