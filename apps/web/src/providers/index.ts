/** The app's providers, wired once: one API client shared by the data and auth providers. */
import { type AdminRequests, createAdminRequests } from './admin-requests';
import { createApiClient, memoryCsrfSource } from './api-client';
import { createAuthProvider, type SessionAuthProvider } from './auth-provider';
import { createDataProvider } from './data-provider';

const csrf = memoryCsrfSource();
let auth: SessionAuthProvider | undefined;
const api = createApiClient({ csrf, refreshCsrf: () => auth?.refreshSession() ?? Promise.resolve() });
auth = createAuthProvider(api);

export const authProvider: SessionAuthProvider = auth;
/** For the pages that call the session API directly (sign-in options, password reset). */
export const apiClient = api;
export const dataProvider = createDataProvider(api);
/** The admin screens' calls beyond records: pattern preview, access check, secret rotation, reset mail. */
export const adminRequests: AdminRequests = createAdminRequests(api);
