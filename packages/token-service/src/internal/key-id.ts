/**
 * Key identifiers registries look up: the libtrust key id (registry 2.x `kid`) and the RFC 7638 JWK thumbprint
 * (registry 3.x), plus the JWKS document for registries configured with a `jwks` file.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { TokenServiceError } from './errors';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

function publicOf(key: KeyObject): KeyObject {
  if (key.type === 'secret') throw new TokenServiceError('ERR_KEY_INVALID', 'a public or private key is required');
  return key;
}

/**
 * libtrust key id: SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32, in 12 groups of 4.
 *
 * @example
 * libtrustKeyId(publicKey); // → 'ABCD:EFGH:…' (59 characters)
 */
export function libtrustKeyId(key: KeyObject): string {
  const der = publicOf(key).export({ type: 'spki', format: 'der' });
  const encoded = base32(createHash('sha256').update(der).digest().subarray(0, 30));
  return encoded.match(/.{4}/g)?.join(':') ?? encoded;
}

/** The public members of a key's JWK in RFC 7638 order, used for thumbprints and JWKS entries. */
function requiredMembers(key: KeyObject): Record<string, string> {
  const jwk = publicOf(key).export({ format: 'jwk' });
  if (jwk.kty === 'EC') return { crv: String(jwk.crv), kty: 'EC', x: String(jwk.x), y: String(jwk.y) };
  if (jwk.kty === 'RSA') return { e: String(jwk.e), kty: 'RSA', n: String(jwk.n) };
  if (jwk.kty === 'OKP') return { crv: String(jwk.crv), kty: 'OKP', x: String(jwk.x) };
  throw new TokenServiceError('ERR_KEY_INVALID', `unsupported key type ${String(jwk.kty)}`);
}

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url).
 *
 * @example
 * jwkThumbprint(publicKey); // → 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 */
export function jwkThumbprint(key: KeyObject): string {
  return createHash('sha256')
    .update(JSON.stringify(requiredMembers(key)))
    .digest('base64url');
}

export type KeyIdFormat = 'libtrust' | 'thumbprint';

export function keyId(key: KeyObject, format: KeyIdFormat): string {
  return format === 'libtrust' ? libtrustKeyId(key) : jwkThumbprint(key);
}

export function algorithmFamily(key: KeyObject): 'EC' | 'RSA' {
  const type = key.asymmetricKeyType;
  if (type === 'ec') return 'EC';
  if (type === 'rsa') return 'RSA';
  throw new TokenServiceError('ERR_KEY_INVALID', `unsupported key type ${String(type)}`);
}

const ALG_BY_CURVE: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

export function defaultAlgorithm(key: KeyObject): string {
  if (algorithmFamily(key) === 'RSA') return 'RS256';
  const curve = String(publicOf(key).export({ format: 'jwk' }).crv);
  const alg = ALG_BY_CURVE[curve];
  if (!alg) throw new TokenServiceError('ERR_KEY_INVALID', `unsupported curve ${curve}`);
  return alg;
}

/**
 * A JWKS document of public keys, each with `kid` in the chosen format (default RFC 7638 thumbprint).
 *
 * @example
 * createJwks([publicKey]); // → { keys: [{ kty: 'EC', crv: 'P-256', x, y, kid, alg: 'ES256', use: 'sig' }] }
 */
export function createJwks(
  keys: readonly KeyObject[],
  options: { keyIdFormat?: KeyIdFormat } = {},
): { keys: Array<Record<string, string>> } {
  return {
    keys: keys.map((key) => ({
      ...requiredMembers(key),
      kid: keyId(key, options.keyIdFormat ?? 'thumbprint'),
      alg: defaultAlgorithm(key),
      use: 'sig',
    })),
  };
}
