import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load';
import { healthUrl } from './healthcheck';

const config = (env: Record<string, string>) => loadConfig({ argv: { _: [] }, env, cwd: '/' });

describe('healthUrl', () => {
  it('probes loopback when the server listens on every interface, and its own address otherwise', () => {
    expect(healthUrl(config({}))).toBe('http://127.0.0.1:8080/healthz');
    expect(healthUrl(config({ RA_LISTEN: '*:9000' }))).toBe('http://127.0.0.1:9000/healthz');
    expect(healthUrl(config({ RA_LISTEN: '[::]:9000' }))).toBe('http://[::1]:9000/healthz');
    expect(healthUrl(config({ RA_LISTEN: '10.1.2.3', RA_PORT: '81' }))).toBe('http://10.1.2.3:81/healthz');
  });

  it('speaks HTTPS when the server serves TLS, and refuses port 0 with the option named', () => {
    expect(healthUrl(config({ RA_SSL_TYPE: 'static', RA_SSL_CERT: '/c.pem', RA_SSL_KEY: '/k.pem' }))).toBe(
      'https://127.0.0.1:8080/healthz',
    );
    expect(() => healthUrl(config({ RA_PORT: '0' }))).toThrow(/--port \(RA_PORT\)/);
  });
});
