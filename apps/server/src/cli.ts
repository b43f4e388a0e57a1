/**
 * The `registry-admin` executable: parses the command line, loads the configuration and runs a command.
 * `runCli` takes all of its inputs as values so tests run it in-process.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CertError } from '@registry-admin/cert-builder';
import { StoreError } from '@registry-admin/store';
import yargs, { type Options } from 'yargs';
import { backupDatabase, restoreDatabase } from './commands/backup';
import { certsGenerate } from './commands/certs';
import { healthcheck } from './commands/healthcheck';
import { importGoDatabase } from './commands/import';
import { CliError, type CliIo } from './commands/io';
import { printRegistryConfig } from './commands/registry-config';
import { syncIndex } from './commands/sync';
import { userAdd, userImport, userList, userPasswd } from './commands/user';
import { goOnlyFlags } from './config/go-config';
import { ConfigError, configOptions, loadConfig } from './config/load';
import { embeddedFiles } from './runtime/embedded-files';
import { VERSION } from './version';

function globalOptions(): Record<string, Options> {
  const options: Record<string, Options> = {};
  for (const spec of configOptions()) {
    options[spec.flag] = {
      type: spec.kind === 'boolean' ? 'boolean' : 'string',
      ...(spec.kind === 'list' ? { array: true } : {}),
      ...(spec.choices ? { choices: spec.choices } : {}),
      describe: `${spec.description ?? ''} [${spec.env}]`.trim(),
      global: true,
      group: spec.path.length > 1 ? `${spec.path[0]}:` : 'Options:',
    };
  }
  // The Go registry-admin's flags are accepted (and warned about at start), not listed.
  for (const { flag, boolean } of goOnlyFlags(new Set(Object.keys(options)))) {
    options[flag] = { type: boolean ? 'boolean' : 'string', global: true, hidden: true };
  }
  return options;
}

const passwordOptions = {
  password: { type: 'string', describe: 'the password (visible in the process list: prefer --password-stdin)' },
  'password-stdin': { type: 'boolean', describe: 'read the password from the first line of stdin' },
} as const;

function buildParser(argv: string[]) {
  return yargs(argv)
    .scriptName('registry-admin')
    .parserConfiguration({ 'dot-notation': false, 'camel-case-expansion': false, 'boolean-negation': true })
    .options(globalOptions())
    .command(['serve', '$0'], 'start the server (default)')
    .command('user', 'manage users', (y) =>
      y
        .command('add <login>', 'create a user', (c) =>
          c
            .positional('login', { type: 'string', demandOption: true })
            .options(passwordOptions)
            .option('role', { choices: ['admin', 'manager', 'user'] as const, default: 'user' })
            .option('name', { type: 'string' })
            .option('email', { type: 'string' }),
        )
        .command('passwd <login>', "change a user's password", (c) =>
          c.positional('login', { type: 'string', demandOption: true }).options(passwordOptions),
        )
        .command('list', 'list users', (c) => c.option('json', { type: 'boolean', describe: 'print JSON' }))
        .command('import <file>', 'create users from an htpasswd file with bcrypt hashes', (c) =>
          c
            .positional('file', { type: 'string', demandOption: true })
            .option('role', { choices: ['admin', 'manager', 'user'] as const, default: 'user' }),
        )
        .demandCommand(1, 'name a user command: add, passwd, list or import'),
    )
    .command('certs', 'manage the token signing certificate', (y) =>
      y
        .command('generate', 'write a new key and CA certificate', (c) =>
          c.option('force', { type: 'boolean', describe: 'replace existing files' }),
        )
        .demandCommand(1, 'name a certs command: generate'),
    )
    .command('sync', 'make the index equal to the registry now')
    .command('healthcheck', "exit 0 when this configuration's server answers /healthz (for container health checks)")
    .command(
      'import [path]',
      "bring the Go registry-admin's users, groups and access rows over from its data.db (read-only)",
      (c) =>
        c
          .positional('path', { type: 'string', describe: "the Go registry-admin's database (its store.embed.path)" })
          .option('dry-run', { type: 'boolean', describe: 'print what would be created, write nothing' })
          .option('htpasswd', { type: 'string', describe: 'import users from an htpasswd file (bcrypt) instead' })
          .option('role', { choices: ['admin', 'manager', 'user'] as const, default: 'user' })
          .check((a) => {
            if ((a.path === undefined) === (a.htpasswd === undefined)) {
              throw new Error('name the Go registry-admin database, or --htpasswd <file>, not both');
            }
            return true;
          }),
    )
    .command('backup <file>', 'copy the embedded database to <file>, consistent while the server runs', (c) =>
      c
        .positional('file', { type: 'string', demandOption: true })
        .option('force', { type: 'boolean', describe: 'replace <file> when it exists' }),
    )
    .command('restore <file>', 'restore a backup into the configured database (server stopped)', (c) =>
      c
        .positional('file', { type: 'string', demandOption: true })
        .option('force', { type: 'boolean', describe: 'replace the existing database' }),
    )
    .command('registry-config', "print the registry's config.yml fragment for this server", (c) =>
      c.option('format', { choices: ['yaml', 'json'] as const, default: 'yaml' }),
    )
    .strict()
    .help()
    .version(VERSION)
    .wrap(Math.min(120, process.stdout.columns || 120));
}

type Parsed = Record<string, unknown> & { _: Array<string | number> };

function parse(argv: string[]): Promise<{ args?: Parsed; output: string; error?: Error }> {
  return new Promise((resolve) => {
    buildParser(argv)
      .exitProcess(false)
      .fail((message, error) => {
        resolve({ output: '', error: error ?? new CliError(message, 2) });
      })
      .parse(argv, {}, (error, args, output) => {
        resolve({ args: args as Parsed, output, ...(error ? { error } : {}) });
      });
  });
}

/**
 * Runs one command line and resolves with the exit code.
 *
 * @example
 * const code = await runCli(['user', 'list'], { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr });
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const { args, output, error } = await parse(argv);
  if (error) {
    io.stderr.write(`registry-admin: ${error.message}\n`);
    return 2;
  }
  if (!args) return 2;
  if (output) {
    // --help or --version
    io.stdout.write(`${output}\n`);
    return 0;
  }
  const debug = args.debug === true || io.env.RA_DEBUG === 'true';
  try {
    const config = loadConfig({
      argv: args,
      env: io.env,
      cwd: io.cwd,
      onWarning: (line) => io.stderr.write(`registry-admin: warning: ${line}\n`),
    });
    const [command, sub] = args._.map(String);
    switch (command) {
      case undefined:
      case 'serve':
        return await serve(config, io);
      case 'user':
        if (sub === 'add') {
          await userAdd(config, io, {
            login: String(args.login),
            ...(typeof args.password === 'string' ? { password: args.password } : {}),
            role: args.role as 'admin' | 'manager' | 'user',
            ...(typeof args.name === 'string' ? { name: args.name } : {}),
            ...(typeof args.email === 'string' ? { email: args.email } : {}),
          });
        } else if (sub === 'passwd') {
          await userPasswd(config, io, {
            login: String(args.login),
            ...(typeof args.password === 'string' ? { password: args.password } : {}),
          });
        } else if (sub === 'import') {
          await userImport(config, io, { file: String(args.file), role: args.role as 'admin' | 'manager' | 'user' });
        } else {
          await userList(config, io, { json: args.json === true });
        }
        return 0;
      case 'certs':
        await certsGenerate(config, io, { force: args.force === true });
        return 0;
      case 'sync':
        await syncIndex(config, io);
        return 0;
      case 'healthcheck':
        await healthcheck(config, io);
        return 0;
      case 'import':
        if (typeof args.htpasswd === 'string') {
          await userImport(config, io, { file: args.htpasswd, role: args.role as 'admin' | 'manager' | 'user' });
        } else {
          await importGoDatabase(config, io, { path: String(args.path), dryRun: args['dry-run'] === true });
        }
        return 0;
      case 'backup':
        await backupDatabase(config, io, { file: String(args.file), force: args.force === true });
        return 0;
      case 'restore':
        await restoreDatabase(config, io, { file: String(args.file), force: args.force === true });
        return 0;
      case 'registry-config':
        await printRegistryConfig(config, io, { format: args.format === 'json' ? 'json' : 'yaml' });
        return 0;
      default:
        io.stderr.write(`registry-admin: unknown command ${command}\n`);
        return 2;
    }
  } catch (failure) {
    if (failure instanceof ConfigError) {
      io.stderr.write(`registry-admin: ${failure.message}\n`);
      return 2;
    }
    if (failure instanceof CliError) {
      io.stderr.write(`registry-admin: ${failure.message}\n`);
      return failure.exitCode;
    }
    const known = failure instanceof CertError || failure instanceof StoreError;
    const message = failure instanceof Error ? failure.message : String(failure);
    io.stderr.write(`registry-admin: ${message}\n`);
    if (debug || !known) io.stderr.write(`${failure instanceof Error ? failure.stack : ''}\n`);
    return 1;
  }
}

async function serve(config: ReturnType<typeof loadConfig>, io: CliIo): Promise<number> {
  const { runServer } = await import('./server');
  const server = await runServer(config, { cwd: io.cwd, stdout: io.stdout, env: io.env });
  const signal = await (io.stopSignal ?? new Promise<string>(() => {}));
  io.stdout.write(`received ${signal}, shutting down\n`);
  await server.close();
  return 0;
}

function isEntryPoint(): boolean {
  // The single executable's entry point runs main() itself, once its files are unpacked.
  if (embeddedFiles()) return false;
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

/**
 * Runs the command line of this process and exits with its code; SIGINT and SIGTERM close the server gracefully.
 * The entry of `dist/cli.js` and of the single executable.
 */
export function main(argv: string[] = process.argv.slice(2)): void {
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  runCli(argv, {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    stopSignal,
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`registry-admin: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}

if (isEntryPoint()) main();
