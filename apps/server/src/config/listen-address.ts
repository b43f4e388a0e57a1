/**
 * `--listen`: where the server accepts connections. Besides a bare host it takes the forms the Go registry-admin's
 * `--listen` takes, so its configs work unchanged: `host:port`, `*` (every interface), `*:port`, `:port`,
 * `[IPv6]` and `[IPv6]:port`. A bare IPv6 address (`::1`) is a host too, and all host: `::1:80` is an address, so a
 * port after an IPv6 address needs the brackets.
 */
import { isIP } from 'node:net';

/** The host `*` stands for: every interface (IPv6 and IPv4 where the system allows it). */
export const EVERY_INTERFACE = '*';

export interface ListenAddress {
  /** An IP address, a host name, or `*` for every interface. */
  host: string;
  /** The port when the address names one. */
  port?: number;
}

const HOST_NAME =
  /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

function hostOf(text: string): string | undefined {
  if (text === '' || text === EVERY_INTERFACE) return EVERY_INTERFACE;
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.slice(1, -1);
    return isIP(inner) === 6 ? inner : undefined;
  }
  if (isIP(text) !== 0) return text;
  return HOST_NAME.test(text) ? text : undefined;
}

/** The host and port of a `--listen` value, or undefined when it is none of the accepted forms. */
export function parseListenAddress(value: string): ListenAddress | undefined {
  const text = value.trim();
  if (isIP(text) === 6) return { host: text };
  const withPort = /^(.*):(\d{1,5})$/.exec(text);
  if (withPort) {
    const port = Number(withPort[2]);
    const host = hostOf(withPort[1] ?? '');
    if (host === undefined || port > 65535) return undefined;
    return { host, port };
  }
  if (text === '') return undefined;
  const host = hostOf(text);
  return host === undefined ? undefined : { host };
}
