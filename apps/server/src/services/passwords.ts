/**
 * Password hashing: argon2id with parameters that can be raised later (hashes carry their own parameters).
 */
import argon2 from 'argon2';

/** OWASP's argon2id baseline (19 MiB, 2 passes); stored hashes record the parameters they were made with. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

/**
 * argon2 runs on libuv's thread pool, which also signs tokens. At most this many hashes run at once, so a burst of
 * password checks (or a guessing attack) queues here instead of starving token signing.
 */
const MAX_CONCURRENT_HASHES = 2;
let running = 0;
const waiting: Array<() => void> = [];

async function limited<T>(run: () => Promise<T>): Promise<T> {
  // A finishing hash hands its slot straight to the next waiter, so the limit holds exactly.
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await run();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

export function hashPassword(password: string): Promise<string> {
  return limited(() => argon2.hash(password, ARGON2_OPTIONS));
}

/** Constant-time verification; a malformed stored hash verifies as false. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX_LENGTH) return false;
  try {
    return await limited(() => argon2.verify(hash, password));
  } catch {
    return false;
  }
}

/** A hash that no password matches, verified against when a login is unknown so timing does not reveal it. */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(`decoy-${Math.random()}`);
  return decoyHash;
}
