/** `registry-admin user add|passwd|list|import`: manage accounts from the shell, on the configured store. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Role } from '@registry-admin/store';
import { StoreError } from '@registry-admin/store';
import type { Config } from '../config/schema';
import { openConfiguredStore } from '../runtime/open-store';
import { resolvePaths } from '../runtime/paths';
import { CliError, type CliIo, readFirstLine } from './io';

export const LOGIN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface PasswordArgs {
  password?: string;
  passwordStdin?: boolean;
}

/** The hashers of the configuration: loaded by the commands that set passwords (argon2's addon), not by `user list`. */
async function passwordTools(config: Config) {
  const [{ configuredPasswordHasher }, { registryPasswords }, { isImportableHash }] = await Promise.all([
    import('../runtime/password-policy'),
    import('../services/htpasswd'),
    import('../services/passwords'),
  ]);
  return { hasher: configuredPasswordHasher(config), registry: registryPasswords(config), isImportableHash };
}

async function passwordFrom(
  tools: Awaited<ReturnType<typeof passwordTools>>,
  args: PasswordArgs,
  io: CliIo,
): Promise<string> {
  const password = args.password ?? (await readFirstLine(io.stdin));
  const problem = tools.hasher.problem(password);
  if (problem) throw new CliError(`--password ${problem}`, 2);
  return password;
}

function checkLogin(login: string): void {
  if (!LOGIN.test(login)) {
    throw new CliError(
      `<login> "${login.slice(0, 64)}" must be 1-64 characters a-z 0-9 . _ - starting with a letter or digit`,
      2,
    );
  }
}

export async function withStore<T>(
  config: Config,
  io: CliIo,
  run: (store: Awaited<ReturnType<typeof openConfiguredStore>>) => Promise<T>,
) {
  const store = await openConfiguredStore(config, resolvePaths(config, io.cwd));
  try {
    return await run(store);
  } catch (error) {
    if (error instanceof StoreError) throw new CliError(error.message);
    throw error;
  } finally {
    await store.close();
  }
}

export async function userAdd(
  config: Config,
  io: CliIo,
  args: PasswordArgs & { login: string; role?: Role; name?: string; email?: string },
): Promise<void> {
  checkLogin(args.login);
  const tools = await passwordTools(config);
  const password = await passwordFrom(tools, args, io);
  const user = await withStore(config, io, async (store) =>
    store.users.create({
      login: args.login,
      passwordHash: await tools.hasher.hash(password),
      registryPasswordHash: (await tools.registry.hash(password)) ?? null,
      role: args.role ?? 'user',
      ...(args.name !== undefined ? { name: args.name } : {}),
      ...(args.email !== undefined ? { email: args.email } : {}),
    }),
  );
  io.stdout.write(`created user "${user.login}" (id ${user.id}, role ${user.role})\n`);
}

export async function userPasswd(config: Config, io: CliIo, args: PasswordArgs & { login: string }): Promise<void> {
  checkLogin(args.login);
  const tools = await passwordTools(config);
  const password = await passwordFrom(tools, args, io);
  await withStore(config, io, async (store) => {
    const user = await store.users.getByLogin(args.login);
    if (!user) throw new CliError(`no user "${args.login}"`);
    await store.users.update(user.id, {
      passwordHash: await tools.hasher.hash(password),
      registryPasswordHash: (await tools.registry.hash(password)) ?? null,
    });
  });
  io.stdout.write(`password of "${args.login}" changed; its sessions were ended\n`);
}

export async function userList(config: Config, io: CliIo, args: { json?: boolean }): Promise<void> {
  const users = await withStore(config, io, async (store) => {
    const all = [];
    for (let start = 0; ; start += 1000) {
      const page = await store.users.list({ sort: ['login', 'ASC'], range: [start, start + 999] });
      all.push(...page.items);
      if (all.length >= page.total || page.items.length === 0) return all;
    }
  });
  if (args.json) {
    io.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
    return;
  }
  const rows = [
    ['ID', 'LOGIN', 'ROLE', 'DISABLED', 'GROUPS'],
    ...users.map((u) => [String(u.id), u.login, u.role, u.disabled ? 'yes' : 'no', u.groups.join(',')]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  for (const row of rows)
    io.stdout.write(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
}

/**
 * `user import <file>`: users from an htpasswd file (`login:hash` per line). bcrypt hashes (`htpasswd -B`) are kept
 * as they are and replaced by argon2id at each user's first sign-in; other schemes (MD5, SHA-1, crypt) are too weak
 * to keep and are reported as skipped.
 */
export async function userImport(config: Config, io: CliIo, args: { file: string; role?: Role }): Promise<void> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, args.file), 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${args.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let created = 0;
  const skipped: string[] = [];
  const tools = await passwordTools(config);
  await withStore(config, io, async (store) => {
    for (const [index, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const colon = line.indexOf(':');
      const login = colon > 0 ? line.slice(0, colon) : '';
      const hash = colon > 0 ? line.slice(colon + 1) : '';
      const where = `line ${index + 1}`;
      if (!LOGIN.test(login)) {
        skipped.push(`${where}: login "${login.slice(0, 64)}" is not a valid login`);
      } else if (!tools.isImportableHash(hash)) {
        skipped.push(`${where}: ${login}: only bcrypt (htpasswd -B) and argon2id hashes can be imported`);
      } else if (await store.users.getByLogin(login)) {
        skipped.push(`${where}: ${login}: a user with this login exists`);
      } else {
        try {
          // htpasswd mode: an imported bcrypt hash is already what the registry reads.
          const registryPasswordHash = tools.registry.enabled && hash.startsWith('$2') ? hash : null;
          await store.users.create({ login, passwordHash: hash, registryPasswordHash, role: args.role ?? 'user' });
          created++;
        } catch (error) {
          // Taken since the check above, or by a service account: report it and go on with the other lines.
          if (!(error instanceof StoreError && error.code === 'ERR_STORE_CONFLICT')) throw error;
          skipped.push(`${where}: ${login}: ${error.message}`);
        }
      }
    }
  });
  io.stdout.write(`imported ${created} user(s)\n`);
  for (const line of skipped) io.stdout.write(`skipped ${line}\n`);
}
