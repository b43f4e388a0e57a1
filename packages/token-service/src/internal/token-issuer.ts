/**
 * Signs registry tokens as compact JWS. Everything constant (the encoded protected header with `kid` and `x5c`,
 * the key) is prepared once; per token only the claims are encoded and signed with node:crypto directly — going
 * through WebCrypto costs about five times as much per token, and this runs at thousands of tokens per second.
 */
import { createPublicKey, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { TokenServiceError } from './errors';
import { algorithmFamily, defaultAlgorithm, jwkThumbprint, type KeyIdFormat, keyId, libtrustKeyId } from './key-id';

export type SigningAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512';

export interface TokenIssuerOptions {
  privateKey: KeyObject;
  /** PEM certificates, leaf first: sent as the `x5c` header. */
  certificateChain?: readonly string[];
  algorithm?: SigningAlgorithm;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  keyIdFormat?: KeyIdFormat;
  now?: () => number;
  randomId?: () => string;
}

export interface IssuedToken {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
}

export interface TokenAccess {
  type: string;
  name: string;
  actions: readonly string[];
}

export interface TokenIssuer {
  readonly keyId: string;
  readonly libtrustKeyId: string;
  readonly thumbprint: string;
  readonly algorithm: SigningAlgorithm;
  issue(claims: { subject: string; access: readonly TokenAccess[] }): Promise<IssuedToken>;
}

/**
 * 128-bit random token ids, cut from a buffer refilled 256 ids at a time: one call into the CSPRNG per 256 tokens
 * instead of one per token.
 */
const ID_BYTES = 16;
const POOL_IDS = 256;
let idPool = Buffer.alloc(0);
let idOffset = 0;
function defaultRandomId(): string {
  if (idOffset >= idPool.length) {
    idPool = randomBytes(ID_BYTES * POOL_IDS);
    idOffset = 0;
  }
  const id = idPool.toString('base64url', idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return id;
}

/**
 * Signs on libuv's thread pool (node:crypto's callback form), so the event loop keeps serving requests while the
 * signature is computed and a second core can take part.
 */
function signInThreadPool(
  hash: string,
  data: Buffer,
  key: KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign(hash, data, key, (error, signature) => (error ? reject(error) : resolve(signature)));
  });
}

function certificateToX5c(pem: string): string {
  try {
    return new X509Certificate(pem).raw.toString('base64');
  } catch {
    throw new TokenServiceError('ERR_KEY_INVALID', 'certificateChain holds an invalid certificate');
  }
}

/**
 * @example
 * const issuer = createTokenIssuer({ privateKey, issuer: 'registry-admin', audience: 'registry', ttlSeconds: 300 });
 * const { token } = await issuer.issue({ subject: 'alice', access: [{ type: 'repository', name: 'a', actions: ['pull'] }] });
 */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const { privateKey } = options;
  if (privateKey.type !== 'private') throw new TokenServiceError('ERR_KEY_INVALID', 'privateKey must be a private key');
  const publicKey = createPublicKey(privateKey);
  const family = algorithmFamily(privateKey);
  const algorithm = (options.algorithm ?? defaultAlgorithm(privateKey)) as SigningAlgorithm;
  if (!algorithm.startsWith(family === 'EC' ? 'ES' : 'RS')) {
    throw new TokenServiceError('ERR_KEY_INVALID', `algorithm ${algorithm} does not fit a ${family} key`);
  }
  if (family === 'EC' && algorithm !== defaultAlgorithm(privateKey)) {
    throw new TokenServiceError('ERR_KEY_INVALID', `algorithm ${algorithm} does not fit the key's curve`);
  }
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
    throw new TokenServiceError('ERR_KEY_INVALID', 'ttlSeconds must be a positive integer');
  }
  const chain = options.certificateChain?.map(certificateToX5c);
  if (chain?.[0]) {
    const leafKey = new X509Certificate(Buffer.from(chain[0], 'base64')).publicKey;
    const same = leafKey
      .export({ type: 'spki', format: 'der' })
      .equals(publicKey.export({ type: 'spki', format: 'der' }));
    if (!same) throw new TokenServiceError('ERR_KEY_INVALID', 'the first certificate of the chain is not for this key');
  }
  const kid = keyId(publicKey, options.keyIdFormat ?? 'libtrust');
  const header = { alg: algorithm, typ: 'JWT', kid, ...(chain && chain.length > 0 ? { x5c: chain } : {}) };
  const encodedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  const hash = `sha${algorithm.slice(2)}`;
  const signOptions = family === 'EC' ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const } : privateKey;
  const now = options.now ?? Date.now;
  const randomId = options.randomId ?? defaultRandomId;
  const ttl = options.ttlSeconds;

  return {
    keyId: kid,
    libtrustKeyId: libtrustKeyId(publicKey),
    thumbprint: jwkThumbprint(publicKey),
    algorithm,
    async issue({ subject, access }) {
      const issuedAtMs = now();
      const iat = Math.floor(issuedAtMs / 1000);
      const claims = {
        iss: options.issuer,
        sub: subject,
        aud: options.audience,
        exp: iat + ttl,
        nbf: iat,
        iat,
        jti: randomId(),
        access: access.map((scope) => ({ type: scope.type, name: scope.name, actions: [...scope.actions] })),
      };
      const signingInput = `${encodedHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      const signature = await signInThreadPool(hash, Buffer.from(signingInput), signOptions);
      const token = `${signingInput}.${signature.toString('base64url')}`;
      return {
        token,
        access_token: token,
        expires_in: ttl,
        issued_at: `${new Date(iat * 1000).toISOString().slice(0, 19)}Z`,
      };
    },
  };
}
