/**
 * A signing key with its self-signed CA certificate: generated with @peculiar/x509, or parsed from PEM and checked
 * (key and certificate belong together, certificate in date).
 */
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  webcrypto,
  X509Certificate,
} from 'node:crypto';
import { isIP } from 'node:net';
import type * as X509 from '@peculiar/x509';
import { CertError } from './errors';

type X509Module = typeof X509;
let x509Module: Promise<X509Module> | undefined;

/**
 * @peculiar/x509 is loaded on the first generation, not at import: it needs the reflect-metadata polyfill (which
 * patches the global `Reflect`) loaded before it, and only generating uses it. Node's webcrypto is passed to each
 * call instead of being installed as its global crypto provider, so importing this package changes nothing global.
 */
function loadX509(): Promise<X509Module> {
  x509Module ??= import('reflect-metadata').then(() => import('@peculiar/x509'));
  return x509Module;
}

/** The WebCrypto type @peculiar/x509 names (from the DOM library) is Node's webcrypto. */
type X509Crypto = NonNullable<Parameters<X509Module['X509CertificateGenerator']['createSelfSigned']>[1]>;
const crypto = webcrypto as unknown as X509Crypto;

export type KeyAlgorithm = 'ec-p256' | 'rsa-2048' | 'rsa-4096';

export interface CertificateSet {
  privateKeyPem: string;
  publicKeyPem: string;
  /** The CA bundle as stored; may hold several certificates (key rotation), one of which matches the key. */
  certificatePem: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The certificate of `privateKey`. */
  certificate: X509Certificate;
  /** What a token's `x5c` header carries: the certificate of the key. */
  chainPem: string[];
}

export interface GenerateOptions {
  algorithm?: KeyAlgorithm;
  commonName?: string;
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  validityDays?: number;
  now?: Date;
}

const DNS_NAME =
  /^(?=.{1,253}$)(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

function keyParams(algorithm: KeyAlgorithm): {
  generate: webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams;
  sign: webcrypto.Algorithm;
} {
  if (algorithm === 'ec-p256') {
    return {
      generate: { name: 'ECDSA', namedCurve: 'P-256' },
      sign: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.Algorithm,
    };
  }
  const modulusLength = algorithm === 'rsa-2048' ? 2048 : 4096;
  return {
    generate: { name: 'RSASSA-PKCS1-v1_5', modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    sign: { name: 'RSASSA-PKCS1-v1_5' },
  };
}

/**
 * Generates a key and a self-signed CA certificate with the given SANs.
 *
 * @example
 * const set = await generateCertificateSet({ dnsNames: ['registry.example.com'], ipAddresses: ['10.0.0.5'] });
 */
export async function generateCertificateSet(options: GenerateOptions = {}): Promise<CertificateSet> {
  const algorithm = options.algorithm ?? 'ec-p256';
  if (!['ec-p256', 'rsa-2048', 'rsa-4096'].includes(algorithm)) {
    throw new CertError('ERR_CERT_OPTION_INVALID', `unknown key algorithm "${algorithm}"`);
  }
  const dnsNames = options.dnsNames ?? [];
  const ipAddresses = options.ipAddresses ?? [];
  for (const name of dnsNames) {
    if (!DNS_NAME.test(name)) throw new CertError('ERR_CERT_OPTION_INVALID', `"${name}" is not a valid DNS name`);
  }
  for (const ip of ipAddresses) {
    if (isIP(ip) === 0) throw new CertError('ERR_CERT_OPTION_INVALID', `"${ip}" is not an IPv4 or IPv6 address`);
  }
  const validityDays = options.validityDays ?? 3650;
  if (!(validityDays > 0)) throw new CertError('ERR_CERT_OPTION_INVALID', 'validityDays must be positive');
  const now = options.now ?? new Date();
  const params = keyParams(algorithm);
  const keys = (await webcrypto.subtle.generateKey(params.generate, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const commonName = (options.commonName ?? dnsNames[0] ?? 'registry-admin token signer').replace(/[,=+<>#;"\\]/g, ' ');
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f;
  const x509 = await loadX509();
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(
      keys.publicKey as unknown as Parameters<typeof x509.SubjectKeyIdentifierExtension.create>[0],
      false,
      crypto,
    ),
  ];
  const names = [
    ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: `CN=${commonName}`,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + validityDays * 86_400_000),
      signingAlgorithm: params.sign,
      keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
      extensions,
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const certificatePem = `${cert.toString('pem').trim()}\n`;
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    certificatePem,
    privateKey,
    publicKey,
    certificate: new X509Certificate(certificatePem),
    chainPem: [certificatePem],
  };
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/**
 * Parses and checks a key and certificate bundle: the key must belong to one certificate of the bundle, which
 * must be in date; a given public key must match too.
 *
 * @example
 * const set = parseCertificateSet({ privateKeyPem, certificatePem });
 */
/**
 * libtrust, which the Go registry-admin used to write its key files, puts a `keyID: …` header into each PEM block.
 * OpenSSL takes any header there for encryption parameters and refuses the block, so such headers are dropped before
 * parsing (encryption headers, `Proc-Type`, are kept and still refused as encrypted).
 */
function withoutPemHeaders(pem: string): string {
  return pem.replace(
    /(-----BEGIN [A-Z0-9 ]+-----\r?\n)((?:[A-Za-z0-9-]+:[^\r\n]*\r?\n)+)\r?\n/g,
    (block: string, begin: string, headers: string) => (/^Proc-Type:/im.test(headers) ? block : begin),
  );
}

export function parseCertificateSet(
  pem: { privateKeyPem: string; publicKeyPem?: string; certificatePem: string },
  options: { now?: Date; source?: { key?: string; publicKey?: string; ca?: string } } = {},
): CertificateSet {
  const where = (kind: 'key' | 'publicKey' | 'ca', fallback: string) => options.source?.[kind] ?? fallback;
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(withoutPemHeaders(pem.privateKeyPem));
  } catch (error) {
    throw new CertError('ERR_CERT_PARSE', `${where('key', 'the private key')} is not a PEM private key`, {
      cause: error,
    });
  }
  const publicKey = createPublicKey(privateKey);
  if (pem.publicKeyPem !== undefined) {
    let given: KeyObject;
    try {
      given = createPublicKey(withoutPemHeaders(pem.publicKeyPem));
    } catch (error) {
      throw new CertError('ERR_CERT_PARSE', `${where('publicKey', 'the public key')} is not a PEM public key`, {
        cause: error,
      });
    }
    if (!spki(given).equals(spki(publicKey))) {
      throw new CertError(
        'ERR_CERT_KEY_MISMATCH',
        `${where('publicKey', 'the public key')} does not belong to ${where('key', 'the private key')}`,
      );
    }
  }
  const blocks = pem.certificatePem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    throw new CertError('ERR_CERT_PARSE', `${where('ca', 'the certificate bundle')} holds no PEM certificate`);
  }
  let certificates: X509Certificate[];
  try {
    certificates = blocks.map((block) => new X509Certificate(block));
  } catch (error) {
    throw new CertError('ERR_CERT_PARSE', `${where('ca', 'the certificate bundle')} holds an invalid certificate`, {
      cause: error,
    });
  }
  const index = certificates.findIndex((cert) => spki(cert.publicKey).equals(spki(publicKey)));
  const certificate = certificates[index];
  if (!certificate) {
    throw new CertError(
      'ERR_CERT_KEY_MISMATCH',
      `no certificate in ${where('ca', 'the bundle')} belongs to ${where('key', 'the private key')}`,
    );
  }
  const now = options.now ?? new Date();
  if (new Date(certificate.validTo) < now) {
    throw new CertError(
      'ERR_CERT_EXPIRED',
      `the certificate in ${where('ca', 'the bundle')} expired on ${certificate.validTo}`,
    );
  }
  if (new Date(certificate.validFrom) > now) {
    throw new CertError(
      'ERR_CERT_NOT_YET_VALID',
      `the certificate in ${where('ca', 'the bundle')} is not valid before ${certificate.validFrom}`,
    );
  }
  const certPem = blocks[index] as string;
  return {
    privateKeyPem: pem.privateKeyPem,
    publicKeyPem: pem.publicKeyPem ?? publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    certificatePem: pem.certificatePem,
    privateKey,
    publicKey,
    certificate,
    chainPem: [`${certPem}\n`],
  };
}
