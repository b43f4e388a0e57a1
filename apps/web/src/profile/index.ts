/** The user's own profile page, loaded on demand. */
import { lazy } from 'react';

export const ProfilePage = lazy(() => import('./ProfilePage'));
