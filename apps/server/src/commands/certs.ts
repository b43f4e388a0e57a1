/** `registry-admin certs generate`: writes a new signing key and CA certificate to the configured paths. */
import { access } from 'node:fs/promises';
import { generateCertificateSet, writeCertificateSet } from '@registry-admin/cert-builder';
import { libtrustKeyId } from '@registry-admin/token-service';
import type { Config } from '../config/schema';
import { resolvePaths } from '../runtime/paths';
import { CliError, type CliIo } from './io';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export async function certsGenerate(config: Config, io: CliIo, args: { force?: boolean }): Promise<void> {
  const { certs } = resolvePaths(config, io.cwd);
  const files = [certs.key, certs.publicKey, certs.ca];
  const present = (await Promise.all(files.map(exists))).some(Boolean);
  if (present && !args.force) {
    throw new CliError(`certificate files already exist in ${files.join(', ')}; use --force to replace them`);
  }
  const set = await generateCertificateSet({
    algorithm: config.registry.certs.algorithm,
    dnsNames: config.registry.certs.fqdn,
    ipAddresses: config.registry.certs.ip,
  });
  await writeCertificateSet(certs, set);
  io.stdout.write(
    `wrote ${certs.key} (0600)\nwrote ${certs.publicKey}\nwrote ${certs.ca}\nkey id: ${libtrustKeyId(set.publicKey)}\n`,
  );
}
