/**
 * The HTTPS certificate as files: reading and atomic private writes (temp file, fsync, rename; mode 0600), the PEM
 * split of a key-and-chain file, and the watch that reloads `--ssl.cert`/`--ssl.key` when they change (a renewal by
 * certbot or cert-manager then needs no restart).
 */
import { randomBytes } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createSecureContext } from 'node:tls';

export interface ServerCertificate {
  /** PEM chain, leaf first. */
  cert: string;
  /** PEM private key. */
  key: string;
  notAfter?: Date;
}

export async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes a file whole or not at all: a temp file beside it (created with `mode`), fsynced, renamed over it. */
export async function writePrivateFile(path: string, content: string, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** The private key and the certificates of a PEM file that holds both. */
export function splitPem(pem: string): { key?: string; cert?: string } {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  const key = blocks.find((block) => block[1]?.endsWith('PRIVATE KEY'))?.[0];
  const certs = blocks.filter((block) => block[1] === 'CERTIFICATE').map((block) => block[0]);
  return {
    ...(key ? { key: `${key}\n` } : {}),
    ...(certs.length > 0 ? { cert: `${certs.join('\n')}\n` } : {}),
  };
}

export function joinPem(key: string, cert: string): string {
  return `${key.trim()}\n${cert.trim()}\n`;
}

/** Reads a certificate and its key, and checks they belong together (a TLS context is built from them). */
export async function loadCertificateFiles(certPath: string, keyPath: string): Promise<ServerCertificate> {
  const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  createSecureContext({ cert, key });
  return { cert, key };
}

/**
 * Watches the directories of the certificate and key (renewals usually replace files by rename or swap a symlink,
 * which a watch on the file itself would miss) and calls `onChange` with the new pair once both read and match. A half-written pair (the
 * key changed, the certificate not yet) fails the check and is retried at the next change, so the old pair stays.
 */
export function watchCertificateFiles(
  certPath: string,
  keyPath: string,
  onChange: (certificate: ServerCertificate) => void,
  log: { warn(message: string): void },
): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  let last = '';
  const reload = () => {
    timer = undefined;
    loadCertificateFiles(certPath, keyPath)
      .then((certificate) => {
        const fingerprint = certificate.cert + certificate.key;
        if (fingerprint === last) return;
        last = fingerprint;
        onChange(certificate);
      })
      .catch((error: unknown) =>
        log.warn(`HTTPS certificate not reloaded: ${error instanceof Error ? error.message : String(error)}`),
      );
  };
  loadCertificateFiles(certPath, keyPath)
    .then((certificate) => {
      last = certificate.cert + certificate.key;
    })
    .catch(() => undefined);
  const watchers: FSWatcher[] = [...new Set([dirname(certPath), dirname(keyPath)])].map((dir) =>
    // Any change in the directory: Kubernetes swaps a `..data` symlink, not the files the options name.
    watch(dir, { persistent: false }, () => {
      // Writers touch a file several times; act once they are done.
      if (timer) clearTimeout(timer);
      timer = setTimeout(reload, 200);
      timer.unref();
    }),
  );
  return {
    close() {
      if (timer) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
