/**
 * skopeo as the real client: copies, inspects, deletes and logs in over plain HTTP to 127.0.0.1, with its auth
 * file and caches in a temporary home so the user's own credentials are never read or written.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Credentials {
  username: string;
  password: string;
}

export interface SkopeoResult {
  code: number;
  stdout: string;
  stderr: string;
}

const home = mkdtempSync(join(tmpdir(), 'ra-skopeo-'));
const authFile = join(home, 'auth.json');

export function skopeo(args: string[], timeoutMs = 60_000): Promise<SkopeoResult> {
  return new Promise((resolve) => {
    execFile(
      'skopeo',
      args,
      {
        timeout: timeoutMs,
        env: { PATH: process.env.PATH, HOME: home, XDG_RUNTIME_DIR: home, REGISTRY_AUTH_FILE: authFile },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const creds = (flag: string, credentials: Credentials | undefined) =>
  credentials
    ? [`--${flag}`, `${credentials.username}:${credentials.password}`]
    : [`--${flag.replace('creds', 'no-creds')}`];

/** `extra`: e.g. ['--all'] for an index, ['--format', 'v2s2'] to push Docker schema 2. */
export function copyToRegistry(
  ociDir: string,
  tag: string,
  ref: string,
  credentials?: Credentials,
  extra: string[] = [],
) {
  return skopeo([
    'copy',
    '--dest-tls-verify=false',
    ...extra,
    ...creds('dest-creds', credentials),
    `oci:${ociDir}:${tag}`,
    `docker://${ref}`,
  ]);
}

export function copyFromRegistry(ref: string, ociDir: string, credentials?: Credentials) {
  return skopeo([
    'copy',
    '--src-tls-verify=false',
    ...creds('src-creds', credentials),
    `docker://${ref}`,
    `oci:${ociDir}:copy`,
  ]);
}

export async function inspect(ref: string, credentials?: Credentials): Promise<SkopeoResult & { digest?: string }> {
  const result = await skopeo(['inspect', '--tls-verify=false', ...creds('creds', credentials), `docker://${ref}`]);
  if (result.code !== 0) return result;
  return { ...result, digest: (JSON.parse(result.stdout) as { Digest: string }).Digest };
}

export function deleteImage(ref: string, credentials?: Credentials) {
  return skopeo(['delete', '--tls-verify=false', ...creds('creds', credentials), `docker://${ref}`]);
}

export function login(host: string, credentials: Credentials) {
  return skopeo([
    'login',
    '--tls-verify=false',
    '--authfile',
    authFile,
    '-u',
    credentials.username,
    '-p',
    credentials.password,
    host,
  ]);
}
