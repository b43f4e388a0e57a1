/**
 * htpasswd mode (`--registry.auth-type basic`): the registry authenticates clients itself against an htpasswd file,
 * and this server keeps that file equal to its enabled users. The registry accepts only bcrypt entries, and users'
 * passwords are stored here as argon2id, so each user's bcrypt hash is made while the password is known — when it is
 * set or changed, reset, or signed in with — and stored beside the argon2 hash; a user without one is left out of the
 * file until then. The file is rewritten atomically (temporary file, fsync, rename) at start and after every change
 * of users, including changes other replicas make.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Config } from '../config/schema';
import type { AccessState, SnapshotUser } from './access-state';

/** bcrypt's cost: the registry checks the file on every request, so each unit doubles its CPU per pull and push. */
export const REGISTRY_BCRYPT_COST = 10;
/** bcrypt reads at most 72 bytes: a longer password's bcrypt would accept any password with the same start. */
const BCRYPT_MAX_BYTES = 72;
/** Readable by the registry's group (kept from the file it replaces), never by others. */
const FILE_MODE = 0o640;

export interface RegistryPasswords {
  /** True when the registry reads an htpasswd file (`--registry.auth-type basic`). */
  readonly enabled: boolean;
  /** The bcrypt hash of `password` for the htpasswd file; undefined when not wanted or not possible. */
  hash(password: string): Promise<string | undefined>;
}

export function registryPasswords(config: Config): RegistryPasswords {
  const enabled = config.registry['auth-type'] === 'basic';
  return {
    enabled,
    async hash(password) {
      if (!enabled || Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES) return undefined;
      // Only the htpasswd mode makes bcrypt hashes: loaded there, on the first.
      const { default: bcrypt } = await import('bcryptjs');
      return bcrypt.hash(password, REGISTRY_BCRYPT_COST);
    },
  };
}

/** One htpasswd line per enabled user with a bcrypt hash, sorted; the server's own entry first. */
export function htpasswdContent(
  users: Iterable<Pick<SnapshotUser, 'login' | 'disabled' | 'registryPasswordHash'>>,
  own?: { login: string; hash: string },
): string {
  const lines: string[] = [];
  for (const user of users) {
    if (user.disabled || !user.registryPasswordHash || user.login === own?.login) continue;
    lines.push(`${user.login}:${user.registryPasswordHash}\n`);
  }
  lines.sort();
  return `${own ? `${own.login}:${own.hash}\n` : ''}${lines.join('')}`;
}

/**
 * Replaces `file` with `content` so that a reader sees the old file or the new one, never a part: written to a
 * temporary file beside it, flushed to disk, renamed over it, and the directory flushed. The new file keeps the old
 * one's group (so the registry can still read it) where the process may set it.
 */
export async function writeFileAtomically(file: string, content: string, mode = FILE_MODE): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const previous = await stat(file).catch(() => undefined);
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(temporary, mode);
    if (previous) await chown(temporary, previous.uid, previous.gid).catch(() => {});
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const directory = await open(dirname(file), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

export interface HtpasswdFile {
  readonly path: string;
  /** Writes the file now if it differs from what was last written. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps `path` equal to the enabled users of `access` (and the server's own login): written now, then after every
 * reload of the snapshot. Writes run one at a time; changes arriving meanwhile are written once after it.
 */
export async function startHtpasswdFile(
  path: string,
  access: AccessState,
  options: { own?: { login: string; hash: string }; onError?: (error: unknown) => void } = {},
): Promise<HtpasswdFile> {
  let written: string | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const writeNow = async () => {
    const content = htpasswdContent(access.users(), options.own);
    if (content === written) return;
    await writeFileAtomically(path, content);
    written = content;
  };
  const sync = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await writeNow();
        } while (again);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  // At start a failure stops the server (the caller sees it); later ones are reported and retried at the next change.
  await sync();
  const unsubscribe = access.onChange(() => {
    sync().catch((error: unknown) => options.onError?.(error));
  });
  return {
    path,
    sync,
    async close() {
      unsubscribe();
      await running?.catch(() => {});
    },
  };
}
