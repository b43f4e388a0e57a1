/** The address docker clients use to reach this server, and so the token realm the registry sends them to. */
import type { Config } from '../config/schema';

/** The port the API and UI are served on: the HTTPS port (`--ssl.port`, else `--port`) when TLS is on. */
export function servingPort(config: Config): number {
  return config.ssl.type === 'none' ? config.port : (config.ssl.port ?? config.port);
}

export function publicUrl(config: Config, boundPort?: number): string {
  const given = config['public-url'];
  if (given) return given.replace(/\/+$/, '');
  const tls = config.ssl.type !== 'none';
  const scheme = tls ? 'https' : 'http';
  // The ACME certificate names the fqdns, so clients must use one of them.
  const name = (config.ssl.type === 'auto' ? config.ssl.fqdn[0] : undefined) ?? config.hostname;
  const host = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
  const port = boundPort ?? servingPort(config);
  const defaultPort = tls ? 443 : 80;
  return port === defaultPort ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}

export function tokenRealm(config: Config, boundPort?: number): string {
  return `${publicUrl(config, boundPort)}/api/v1/registry/auth`;
}
