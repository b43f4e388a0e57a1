/**
 * Refresh tokens for `docker login` (offline_token=true): one per signed-in client, stored hashed, accepted again
 * and again (clients break when it rotates) until revoked — explicitly, by logout everywhere, or by a password
 * change, disable or delete of the user. A user holds at most `maxPerUser`: each login beyond that ends the oldest,
 * so repeated logins cannot grow the store or the in-memory snapshot without bound.
 */
import type { IssuedApiToken, Store } from '@registry-admin/store';
import type { AccessState, SnapshotToken } from './access-state';
import { newSecret } from './secrets';

export interface RefreshTokenService {
  /** Creates a refresh token and returns its value (shown to the client once). */
  issue(userId: number, clientId: string | undefined, address: string): Promise<string>;
}

/** The snapshot entry of a token just written, for `AccessState.applyTokenChange`. */
export function snapshotTokenOf(issued: IssuedApiToken): SnapshotToken {
  const { token } = issued;
  return {
    id: token.id,
    kind: token.kind,
    userId: token.userId,
    tokenHash: issued.tokenHash,
    readOnly: token.readOnly,
    expiresAt: token.expiresAt,
  };
}

export function createRefreshTokenService(
  store: Store,
  access: AccessState,
  options: { maxPerUser: number },
): RefreshTokenService {
  return {
    async issue(userId, clientId, address) {
      const secret = newSecret('refresh');
      const issued = await store.tokens.issue(
        {
          kind: 'refresh',
          userId,
          name: clientId ? clientId.slice(0, 100) : 'registry client',
          tokenHash: secret.hash,
          prefix: secret.prefix,
          clientId: clientId ?? null,
          address,
        },
        { max: options.maxPerUser, whenFull: 'end-oldest' },
      );
      await access.applyTokenChange({
        revision: issued.revision,
        added: [snapshotTokenOf(issued)],
        removed: issued.ended,
      });
      return secret.value;
    },
  };
}
