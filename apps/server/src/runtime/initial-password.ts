/**
 * Whether an account still signs in with the password generated at the first start. The marker remembers the admin
 * account and the moment its password was set; any later password change moves `passwordChangedAt`, so the marker no
 * longer matches and nothing has to clear it.
 */
import type { Store, User } from '@registry-admin/store';

const SETTING = 'initial-admin-password';

interface Marker {
  userId: number;
  passwordChangedAt: string;
}

/** Records that `user` got a generated password (called once, when the first start creates the admin). */
export async function markInitialPassword(store: Store, user: Pick<User, 'id' | 'passwordChangedAt'>): Promise<void> {
  await store.settings.set(SETTING, { userId: user.id, passwordChangedAt: user.passwordChangedAt } satisfies Marker);
}

/** True while `user` still has the generated first-start password. */
export async function usesInitialPassword(
  store: Store,
  user: Pick<User, 'id' | 'passwordChangedAt'>,
): Promise<boolean> {
  const marker = await store.settings.get<Marker>(SETTING);
  return marker?.userId === user.id && marker.passwordChangedAt === user.passwordChangedAt;
}
