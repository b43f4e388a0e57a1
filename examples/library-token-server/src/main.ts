/**
 * `library-token-server --config <file>`: loads the configuration, loads (or on first start generates) the signing key
 * and its CA certificate, and serves tokens until SIGTERM/SIGINT. `library-token-server hash-password` reads a
 * password from stdin and prints its bcrypt hash for the `users` section.
 */
import { certPaths, ensureCertificateSet } from '@registry-admin/cert-builder';
import { createTokenIssuer } from '@registry-admin/token-service';
import bcrypt from 'bcryptjs';
import { ConfigError, loadConfig } from './config';
import { createTokenServer } from './token-server';

const USAGE = 'usage: library-token-server --config <file.yaml> | library-token-server hash-password < password';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

async function serve(configPath: string): Promise<void> {
  const config = await loadConfig(configPath);
  const paths = certPaths(config.certsDir);
  const { set, generated } = await ensureCertificateSet(paths);
  const issuer = createTokenIssuer({
    privateKey: set.privateKey,
    certificateChain: set.chainPem,
    issuer: config.issuer,
    audience: config.service,
    ttlSeconds: config.tokenTtlSeconds,
  });
  const server = createTokenServer(config, issuer, {
    authenticationFailed: (login, address) =>
      console.warn(`authentication failed for user ${JSON.stringify(login.slice(0, 64))} from ${address}`),
    error: (message, error) => console.error(message, error),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  if (generated) console.log(`generated a signing key and certificate in ${config.certsDir}`);
  // What the registry's `auth.token` section must say (the realm as the registry reaches this server).
  console.log(
    `registry auth.token: realm=http://${host}:${port}/auth service=${config.service} issuer=${config.issuer} ` +
      `rootcertbundle=${paths.ca}`,
  );
  console.log(`listening on http://${host}:${port}`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function main(args: string[]): Promise<void> {
  if (args[0] === 'hash-password') {
    const password = await readStdin();
    if (password.length === 0) throw new ConfigError('an empty password cannot be hashed');
    console.log(await bcrypt.hash(password, 10));
    return;
  }
  const index = args.indexOf('--config');
  const path = index >= 0 ? args[index + 1] : undefined;
  if (!path) throw new ConfigError(USAGE);
  await serve(path);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
