/** The address docker clients use to reach this server, and so the token realm the registry sends them to. */
import type { Config } from '../config/schema';

export function publicUrl(config: Config, boundPort?: number): string {
  const given = config['public-url'];
  if (given) return given.replace(/\/+$/, '');
  const scheme = config.ssl.type === 'static' ? 'https' : 'http';
  const host =
    config.hostname.includes(':') && !config.hostname.startsWith('[') ? `[${config.hostname}]` : config.hostname;
  return `${scheme}://${host}:${boundPort ?? config.port}`;
}

export function tokenRealm(config: Config, boundPort?: number): string {
  return `${publicUrl(config, boundPort)}/api/v1/registry/auth`;
}
