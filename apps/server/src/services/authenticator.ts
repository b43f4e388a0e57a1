/**
 * Verifies a login and password against the access snapshot, using the credential cache on the hot path.
 */
import type { AccessState, SnapshotUser } from './access-state';
import type { CredentialCache } from './credential-cache';
import { decoyPasswordHash, PASSWORD_MAX_LENGTH, verifyPassword } from './passwords';

export interface Authenticator {
  /** The enabled user these credentials belong to, or undefined. Never throws for bad input. */
  verifyPassword(login: string, password: string): Promise<SnapshotUser | undefined>;
}

export function createAuthenticator(access: AccessState, cache: CredentialCache): Authenticator {
  return {
    async verifyPassword(login, password) {
      if (password.length === 0 || password.length > PASSWORD_MAX_LENGTH) return undefined;
      const user = access.userByLogin(login);
      if (!user) {
        // Spend the same time as for a known login, so timing does not reveal which logins exist.
        await verifyPassword(await decoyPasswordHash(), password);
        return undefined;
      }
      const cached = cache.lookup(login, password, user.passwordHash);
      if (cached === user.id) return user.disabled ? undefined : user;
      if (!(await verifyPassword(user.passwordHash, password))) return undefined;
      // Re-read: the user may have changed while the hash was being checked.
      const current = access.userById(user.id);
      if (!current || current.passwordHash !== user.passwordHash) return undefined;
      cache.remember(login, password, user.id, user.passwordHash);
      return current.disabled ? undefined : current;
    },
  };
}
