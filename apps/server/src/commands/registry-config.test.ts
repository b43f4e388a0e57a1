import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwkThumbprint } from '@registry-admin/token-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputSink } from '../../test/output-sink';
import { runCli } from '../cli';
import { configSchema } from '../config/schema';
import { createServices } from '../runtime/services';

describe('registry-config for registry 3.x (--registry.key-id thumbprint)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-jwks-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function cli(args: string[]) {
    const stdout = outputSink();
    const stderr = outputSink();
    const code = await runCli([...args, '--data-dir', dir], {
      env: {},
      cwd: dir,
      stdout: stdout.stream,
      stderr: stderr.stream,
    });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }
  const jwksPath = () => join(dir, 'certs', 'registry_auth.jwks');
  const readJwks = async () =>
    JSON.parse(await readFile(jwksPath(), 'utf8')) as { keys: Array<Record<string, string>> };
  const thumbprintOf = async (file: string) => jwkThumbprint(createPublicKey(await readFile(file, 'utf8')));

  it('writes the JWKS file and prints jwks and signingalgorithms; keeps the file current when the key changes', async () => {
    const first = await cli(['registry-config', '--format', 'json', '--registry.key-id', 'thumbprint']);
    expect(first.code, first.stderr).toBe(0);
    const token = JSON.parse(first.stdout).auth.token;
    expect(token.jwks).toBe(jwksPath());
    expect(token.signingalgorithms).toEqual(['ES256']);
    const publicKey = join(dir, 'certs', 'registry_auth.pub');
    expect((await readJwks()).keys.map((key) => key.kid)).toEqual([await thumbprintOf(publicKey)]);

    // Without thumbprint key ids (registry 2.x), neither is printed.
    const libtrust = JSON.parse((await cli(['registry-config', '--format', 'json'])).stdout).auth.token;
    expect(libtrust.jwks).toBeUndefined();
    expect(libtrust.signingalgorithms).toBeUndefined();

    // A new key: the next start rewrites the file before it signs anything.
    expect((await cli(['certs', 'generate', '--force', '--registry.certs.algorithm', 'rsa-2048'])).code).toBe(0);
    const lines: string[] = [];
    const services = await createServices(
      configSchema.parse({
        'data-dir': dir,
        registry: { 'key-id': 'thumbprint' },
        store: { 'admin-password': 'long-enough-password' },
      }),
      { announce: (line) => lines.push(line) },
    );
    try {
      const keys = (await readJwks()).keys;
      expect(keys.map((key) => key.kid)).toEqual([await thumbprintOf(publicKey)]);
      expect(keys[0]?.alg).toBe('RS256');
      expect(lines).toContain(`wrote ${jwksPath()} (the registry's auth.token.jwks; restart the registry to read it)`);
    } finally {
      await services.close();
    }
    const after = JSON.parse(
      (await cli(['registry-config', '--format', 'json', '--registry.key-id', 'thumbprint'])).stdout,
    );
    expect(after.auth.token.signingalgorithms).toEqual(['RS256']);
  });
});
