/** `registry-admin user add|passwd|list`: manage accounts from the shell, on the configured store. */
import type { Role } from '@registry-admin/store';
import { StoreError } from '@registry-admin/store';
import type { Config } from '../config/schema';
import { openConfiguredStore } from '../runtime/open-store';
import { resolvePaths } from '../runtime/paths';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../services/passwords';
import { CliError, type CliIo, readFirstLine } from './io';

const LOGIN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface PasswordArgs {
  password?: string;
  passwordStdin?: boolean;
}

async function passwordFrom(args: PasswordArgs, io: CliIo): Promise<string> {
  const password = args.password ?? (await readFirstLine(io.stdin));
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new CliError(`--password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`, 2);
  }
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

async function withStore<T>(
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
  const password = await passwordFrom(args, io);
  const user = await withStore(config, io, async (store) =>
    store.users.create({
      login: args.login,
      passwordHash: await hashPassword(password),
      role: args.role ?? 'user',
      ...(args.name !== undefined ? { name: args.name } : {}),
      ...(args.email !== undefined ? { email: args.email } : {}),
    }),
  );
  io.stdout.write(`created user "${user.login}" (id ${user.id}, role ${user.role})\n`);
}

export async function userPasswd(config: Config, io: CliIo, args: PasswordArgs & { login: string }): Promise<void> {
  checkLogin(args.login);
  const password = await passwordFrom(args, io);
  await withStore(config, io, async (store) => {
    const user = await store.users.getByLogin(args.login);
    if (!user) throw new CliError(`no user "${args.login}"`);
    await store.users.update(user.id, { passwordHash: await hashPassword(password) });
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
