/**
 * Password hashing: argon2id with parameters from the configuration. Stored hashes carry their own parameters, so
 * raising them takes effect as users sign in (their hash is re-made then). bcrypt hashes — htpasswd files, the
 * tool this replaces — are verified too and replaced by argon2id on the next sign-in, so users can be imported.
 */
import type * as Argon2 from 'argon2';

export const PASSWORD_MAX_LENGTH = 1024;

export interface PasswordPolicy {
  minLength: number;
  /** argon2id memory in KiB. */
  memoryCost: number;
  /** argon2id passes. */
  timeCost: number;
}

/** OWASP's argon2id baseline: 19 MiB, 2 passes. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 8, memoryCost: 19456, timeCost: 2 };

export interface PasswordHasher {
  readonly policy: PasswordPolicy;
  hash(password: string): Promise<string>;
  /** Constant-time verification; a malformed stored hash verifies as false. */
  verify(hash: string, password: string): Promise<boolean>;
  /** True for bcrypt hashes and argon2 hashes made with weaker parameters than the policy's. */
  needsRehash(hash: string): boolean;
  /** A hash no password matches, checked against for unknown logins so timing does not reveal them. */
  decoyHash(): Promise<string>;
  /** A message naming what is wrong with a new password, or undefined. */
  problem(password: string): string | undefined;
}

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

const isBcrypt = (hash: string) => /^\$2[aby]\$\d{2}\$/.test(hash);

/**
 * argon2 (a native addon) loads with the first hash or verification: commands that set no password and a server no
 * one has signed in to yet do not carry it.
 */
let argon2: typeof Argon2 | undefined;
let loading: Promise<typeof Argon2> | undefined;
function loadArgon2(): Promise<typeof Argon2> {
  loading ??= import('argon2').then((loaded) => {
    argon2 = loaded;
    return loaded;
  });
  return loading;
}

export function createPasswordHasher(policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): PasswordHasher {
  const options = {
    // argon2.argon2id
    type: 2 as const,
    memoryCost: policy.memoryCost,
    timeCost: policy.timeCost,
    parallelism: 1,
  };
  let decoy: Promise<string> | undefined;
  const hash = async (password: string) => {
    const lib = await loadArgon2();
    return limited(() => lib.hash(password, options));
  };
  return {
    policy,
    hash,
    async verify(stored, password) {
      if (password.length > PASSWORD_MAX_LENGTH) return false;
      try {
        // `$2y$` (htpasswd) is the same algorithm as `$2b$`.
        if (isBcrypt(stored)) {
          // Only imported accounts have bcrypt hashes, each until its next sign-in: loaded on first need.
          const { default: bcrypt } = await import('bcryptjs');
          return await limited(() => bcrypt.compare(password, stored.replace(/^\$2y\$/, '$2b$')));
        }
        const lib = await loadArgon2();
        return await limited(() => lib.verify(stored, password));
      } catch {
        return false;
      }
    },
    needsRehash(stored) {
      if (isBcrypt(stored)) return true;
      try {
        // Asked after a verification, which has loaded argon2; before any, nothing is to be re-made yet.
        return argon2?.needsRehash(stored, options) ?? false;
      } catch {
        return false;
      }
    },
    decoyHash() {
      decoy ??= hash(`decoy-${Math.random()}`);
      return decoy;
    },
    problem(password) {
      if (password.length < policy.minLength) return `must be at least ${policy.minLength} characters`;
      if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
      return undefined;
    },
  };
}

export function isImportableHash(hash: string): boolean {
  return isBcrypt(hash) || hash.startsWith('$argon2id$');
}
