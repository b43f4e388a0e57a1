/**
 * Importing the package changes nothing global: the reflect-metadata polyfill and @peculiar/x509 load on the first
 * generation, and x509's global crypto provider is never set (webcrypto is passed to each call). Its own file, so no
 * other test has loaded them in this worker first.
 */
import { describe, expect, it } from 'vitest';

describe('import side effects', () => {
  it('none at import; the first generation loads the polyfill, and never sets a global crypto provider', async () => {
    const reflect = Reflect as unknown as { getMetadata?: unknown };
    expect(reflect.getMetadata).toBeUndefined();
    const { generateCertificateSet } = await import('./index');
    expect(reflect.getMetadata).toBeUndefined();

    const set = await generateCertificateSet({ dnsNames: ['registry.example'] });
    expect(set.certificate.subject).toContain('CN=registry.example');
    expect(typeof reflect.getMetadata).toBe('function');

    // Generation does not rely on x509's global provider (which defaults to globalThis.crypto): with it emptied,
    // generating still works and leaves it empty.
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.clear();
    const again = await generateCertificateSet({ algorithm: 'rsa-2048' });
    expect(again.certificate.publicKey.type).toBe('public');
    expect(x509.cryptoProvider.size).toBe(0);
  });
});
