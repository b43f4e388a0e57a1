/**
 * react-admin's auth provider over the session API: sign in with `POST /auth/login` (JSON), sign out with
 * `POST /auth/logout`, `GET /auth/me` to know whether the session still holds (and to learn its CSRF token after a
 * reload). A 401 from any call sends the user back to the login page (react-admin remembers the page, and signing in
 * returns to it); a 403 is an answer to show, not a sign-out.
 *
 * `/auth/me` is asked once per page load and then at most once a `recheckMs` while navigating (concurrent checks share
 * one request): between checks, an ended session shows up as the 401 of the next API call anyway.
 */
import type { AuthProvider, UserIdentity } from 'react-admin';
import type { ApiClient } from './api-client';

export type Role = 'admin' | 'manager' | 'user';

/** The signed-in account as `/auth/me` and `/auth/login` describe it. */
export interface SessionUser {
  id: number;
  login: string;
  name: string;
  email: string | null;
  role: Role;
}

interface SignedIn {
  user?: SessionUser;
  csrfToken?: string;
  /** The account still has the password generated at the first start. */
  initialPassword?: boolean;
  /** The registry as `docker login` names it; null when the server has none configured. */
  registryHost?: string | null;
}

/** What `getIdentity` gives the app's pages (`useGetIdentity`). */
export interface SessionIdentity extends UserIdentity {
  login: string;
  role: Role;
  initialPassword: boolean;
  registryHost: string | null;
}

export interface SessionAuthProvider extends AuthProvider {
  getIdentity: () => Promise<SessionIdentity>;
  getPermissions: NonNullable<AuthProvider['getPermissions']>;
  /** Refreshes the CSRF token from the server (the API client calls it before a write when it has none). */
  refreshSession(): Promise<void>;
  /**
   * Changes the signed-in user's password. The server ends every other sign-in and renews this one: the new CSRF
   * token is kept from the answer. Resolves to how many other sessions and registry clients were signed out.
   */
  changePassword(currentPassword: string, newPassword: string): Promise<PasswordChanged>;
}

export interface PasswordChanged {
  sessionsEnded: number;
  clientsSignedOut: number;
}

/** How long a successful `/auth/me` stands for checkAuth while navigating. */
const RECHECK_MS = 60_000;

export function createAuthProvider(
  api: ApiClient,
  options: { recheckMs?: number; now?: () => number } = {},
): SessionAuthProvider {
  const recheckMs = options.recheckMs ?? RECHECK_MS;
  const now = options.now ?? Date.now;
  let current: SignedIn | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<SessionUser | undefined> | undefined;

  const remember = (answer: SignedIn | undefined) => {
    current = answer?.user ? answer : undefined;
    checkedAt = current ? now() : Number.NEGATIVE_INFINITY;
    api.csrf.set(answer?.csrfToken);
    return current?.user;
  };
  /** One `/auth/me` at a time: the checks react-admin makes together on a page load share it. */
  const me = () => {
    pending ??= api
      .request<SignedIn>('/auth/me')
      .then((response) => remember(response.json))
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  const forget = () => remember(undefined);

  return {
    async login(params: { username?: string; login?: string; password?: string }) {
      const login = params.login ?? params.username ?? '';
      const answer = await api.request<SignedIn>('/auth/login', {
        method: 'POST',
        body: { login, password: params.password ?? '' },
        csrf: false,
      });
      remember(answer.json);
    },

    async logout() {
      try {
        if (current) await api.request('/auth/logout', { method: 'POST' });
      } catch {
        // Signed out already (expired session): the login page is where this ends either way.
      }
      forget();
    },

    async checkAuth() {
      if (current && now() - checkedAt < recheckMs) return;
      try {
        const user = await me();
        if (!user) throw new Error('signed out');
      } catch (error) {
        forget();
        // The login page is the answer; no "authentication required" notification on top of it.
        throw { message: false, status: (error as { status?: number }).status ?? 401 };
      }
    },

    async checkError(error: { status?: number }) {
      if (error?.status === 401) {
        forget();
        throw error;
      }
    },

    async getIdentity(): Promise<SessionIdentity> {
      if (!current) await me();
      const user = current?.user;
      if (!current || !user) throw new Error('signed out');
      return {
        id: user.id,
        fullName: user.name || user.login,
        login: user.login,
        role: user.role,
        initialPassword: current.initialPassword ?? false,
        registryHost: current.registryHost ?? null,
      };
    },

    async getPermissions() {
      // Asked before the resources render, signed in or not: signed out has no role, which is not an error (an error
      // here would sign out again and reload the login page in a loop).
      if (current?.user) return current.user.role;
      try {
        return (await me())?.role;
      } catch {
        return undefined;
      }
    },

    refreshSession: async () => {
      await me();
    },

    async changePassword(currentPassword, newPassword) {
      const answer = await api.request<SignedIn & PasswordChanged>('/auth/password', {
        method: 'POST',
        body: { currentPassword, newPassword },
      });
      const { sessionsEnded, clientsSignedOut, csrfToken, user } = answer.json;
      // The old session was ended with the others; the answer carries the new one's token.
      remember({ ...current, user: user ?? current?.user, csrfToken, initialPassword: false });
      return { sessionsEnded, clientsSignedOut };
    },
  };
}
