/** The user's own profile page, loaded on demand. */
import { lazyView } from '../lazy-view';

export const ProfilePage = lazyView(() => import('./ProfilePage'));
