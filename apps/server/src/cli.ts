/**
 * The `registry-admin` executable: parses the command line, loads the configuration and runs a command.
 * `runCli` takes all of its inputs as values so tests run it in-process.
 */
import { realpathSync } from 'node:fs';
import module from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Options } from 'yargs';
import { CliError, type CliIo } from './commands/io';
import type { OptionSpec } from './config/load';
import type { Config } from './config/schema';
import { embeddedFiles } from './runtime/embedded-files';
import { collectGarbage, keepV8Small } from './runtime/v8-memory';
import { VERSION } from './version';

/**
 * Every config option as a global flag. They are described (and shown) only when the help is asked for: yargs renders
 * the whole help text (some 80 options) on every command named on the command line, `serve` and `user list` included,
 * and that alone cost them more than all their own start-up work; hidden options are left out of it.
 */
function globalOptions(
  specs: OptionSpec[],
  described: boolean,
  goOnlyFlags: (ours: ReadonlySet<string>) => Iterable<{ flag: string; boolean?: boolean }>,
): Record<string, Options> {
  const options: Record<string, Options> = {};
  for (const spec of specs) {
    options[spec.flag] = {
      type: spec.kind === 'boolean' ? 'boolean' : 'string',
      ...(spec.kind === 'list' ? { array: true } : {}),
      ...(spec.choices ? { choices: spec.choices } : {}),
      ...(described
        ? {
            describe: `${spec.description ?? ''} [${spec.env}]`.trim(),
            group: spec.path.length > 1 ? `${spec.path[0]}:` : 'Options:',
          }
        : { hidden: true }),
      global: true,
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

async function buildParser(argv: string[]) {
  // Loaded here, not at start: `--version` needs neither the parser nor the configuration schema.
  const [{ default: yargs }, { configOptions }, { goOnlyFlags }] = await Promise.all([
    import('yargs'),
    import('./config/load'),
    import('./config/go-config'),
  ]);
  const help = argv.includes('--help');
  return (
    yargs(argv)
      .scriptName('registry-admin')
      .parserConfiguration({ 'dot-notation': false, 'camel-case-expansion': false, 'boolean-negation': true })
      .options(globalOptions(configOptions(), help, goOnlyFlags))
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
      // Wrapping is what makes the help text costly; only --help shows it.
      .wrap(help ? Math.min(120, process.stdout.columns || 120) : null)
  );
}

type Parsed = Record<string, unknown> & { _: Array<string | number> };

async function parse(argv: string[]): Promise<{ args?: Parsed; output: string; error?: Error }> {
  const parser = await buildParser(argv);
  return new Promise((resolve) => {
    parser
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
  if (argv.length === 1 && argv[0] === '--version') {
    // What yargs would print, without building the parser.
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
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
  const { ConfigError, loadConfig } = await import('./config/load');
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
      case 'user': {
        // Each command loads what it needs when it runs, so `--version` or `user list` pays for nothing else.
        const { userAdd, userImport, userList, userPasswd } = await import('./commands/user');
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
      }
      case 'certs': {
        const { certsGenerate } = await import('./commands/certs');
        await certsGenerate(config, io, { force: args.force === true });
        return 0;
      }
      case 'sync': {
        const { syncIndex } = await import('./commands/sync');
        await syncIndex(config, io);
        return 0;
      }
      case 'healthcheck': {
        const { healthcheck } = await import('./commands/healthcheck');
        await healthcheck(config, io);
        return 0;
      }
      case 'import': {
        if (typeof args.htpasswd === 'string') {
          const { userImport } = await import('./commands/user');
          await userImport(config, io, { file: args.htpasswd, role: args.role as 'admin' | 'manager' | 'user' });
        } else {
          const { importGoDatabase } = await import('./commands/import');
          await importGoDatabase(config, io, { path: String(args.path), dryRun: args['dry-run'] === true });
        }
        return 0;
      }
      case 'backup': {
        const { backupDatabase } = await import('./commands/backup');
        await backupDatabase(config, io, { file: String(args.file), force: args.force === true });
        return 0;
      }
      case 'restore': {
        const { restoreDatabase } = await import('./commands/backup');
        await restoreDatabase(config, io, { file: String(args.file), force: args.force === true });
        return 0;
      }
      case 'registry-config': {
        const { printRegistryConfig } = await import('./commands/registry-config');
        await printRegistryConfig(config, io, { format: args.format === 'json' ? 'json' : 'yaml' });
        return 0;
      }
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
    const known = await isLibraryError(failure);
    const message = failure instanceof Error ? failure.message : String(failure);
    io.stderr.write(`registry-admin: ${message}\n`);
    if (debug || !known) io.stderr.write(`${failure instanceof Error ? failure.stack : ''}\n`);
    return 1;
  }
}

/** A certificate or store failure says enough in one line; anything else gets its stack. */
async function isLibraryError(failure: unknown): Promise<boolean> {
  // Loaded here rather than at start: a command that failed in one of them has loaded it already.
  const [{ CertError }, { StoreError }] = await Promise.all([
    import('@registry-admin/cert-builder'),
    import('@registry-admin/store'),
  ]);
  return failure instanceof CertError || failure instanceof StoreError;
}

async function serve(config: Config, io: CliIo): Promise<number> {
  const { runServer } = await import('./server');
  const server = await runServer(config, {
    cwd: io.cwd,
    stdout: io.stdout,
    env: io.env,
    ...(io.afterSync ? { afterSync: io.afterSync } : {}),
  });
  io.onListening?.();
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
  // First, before the commands' modules load: loading them is what would grow the young generation for good.
  const v8Settings = keepV8Small();
  // Node 22.1+ keeps the compiled code of every module loaded after this in a cache on disk (in the temp directory;
  // NODE_DISABLE_COMPILE_CACHE=1 turns it off), so later starts skip most compiling. Node 20 has no such cache.
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  runCli(argv, {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    // Made on first use: process.stdin sets up a stream (most commands never read it).
    get stdin() {
      return process.stdin;
    },
    stopSignal,
    onListening: () => v8Settings.started(),
    // A sync leaves the heap grown by what it read; one collection once its answer is on its way hands that back.
    afterSync: () => setTimeout(collectGarbage, 1000).unref(),
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`registry-admin: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}

if (isEntryPoint()) main();
