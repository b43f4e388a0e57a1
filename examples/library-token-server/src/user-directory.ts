/**
 * Users from the configuration file as a `TokenAuthenticator`: HTTP Basic (or the OAuth2 password grant) checked
 * against bcrypt hashes. Bearer and refresh tokens are not offered by this example and are denied.
 */
import type { Principal } from '@registry-admin/acl';
import type { TokenAuthenticator } from '@registry-admin/token-service';
import bcrypt from 'bcryptjs';
import type { UserEntry } from './config';

/** Longer passwords are refused before hashing: bcrypt reads only 72 bytes, and hashing costs time. */
const MAX_PASSWORD_LENGTH = 1024;

export function createUserDirectory(
  users: ReadonlyMap<string, UserEntry>,
  onFailure: (login: string, address: string) => void,
): TokenAuthenticator<Principal> {
  const rounds = Math.max(10, ...[...users.values()].map((entry) => bcrypt.getRounds(entry.passwordHash)));
  // Unknown logins are checked against a decoy of the same cost, so timing does not reveal which logins exist.
  const decoy = bcrypt.hashSync('decoy password', rounds);
  return {
    async authenticate(credentials, context) {
      if (credentials.kind !== 'basic') return { outcome: 'denied' };
      const { username, password } = credentials;
      const entry = users.get(username);
      const valid =
        password.length > 0 &&
        password.length <= MAX_PASSWORD_LENGTH &&
        (await bcrypt.compare(password, entry?.passwordHash ?? decoy)) &&
        entry !== undefined;
      if (!valid || !entry) {
        onFailure(username, context.address ?? '');
        return { outcome: 'denied' };
      }
      return {
        outcome: 'authenticated',
        subject: username,
        principal: { kind: 'user', id: username, name: username, groups: entry.groups, admin: entry.admin },
        readOnly: entry.readOnly,
      };
    },
  };
}
