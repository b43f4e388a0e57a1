/**
 * Refresh tokens for `docker login` (offline_token=true): one per signed-in client, stored hashed, accepted again
 * and again (clients break when it rotates) until revoked — explicitly, by logout everywhere, or by a password
 * change, disable or delete of the user.
 */
import type { Store } from '@registry-admin/store';
import type { AccessState } from './access-state';
import { newSecret } from './secrets';

export interface RefreshTokenService {
  /** Creates a refresh token and returns its value (shown to the client once). */
  issue(userId: number, clientId: string | undefined, address: string): Promise<string>;
}

export function createRefreshTokenService(store: Store, access: AccessState): RefreshTokenService {
  return {
    async issue(userId, clientId, address) {
      const secret = newSecret('refresh');
      await store.tokens.create({
        kind: 'refresh',
        userId,
        name: clientId ? clientId.slice(0, 100) : 'registry client',
        tokenHash: secret.hash,
        prefix: secret.prefix,
        clientId: clientId ?? null,
        address,
      });
      await access.refresh();
      return secret.value;
    },
  };
}
