/**
 * react-admin's auth provider over the session API: sign in with `POST /auth/login` (JSON), sign out with
 * `POST /auth/logout`, `GET /auth/me` to know whether the session still holds (and to learn its CSRF token after a
 * reload). A 401 from any call sends the user back to the login page; a 403 is an answer to show, not a sign-out.
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
}

export interface SessionAuthProvider extends AuthProvider {
  getIdentity: NonNullable<AuthProvider['getIdentity']>;
  getPermissions: NonNullable<AuthProvider['getPermissions']>;
  /** Refreshes the CSRF token from the server (the API client calls it before a write when it has none). */
  refreshSession(): Promise<void>;
}

export function createAuthProvider(api: ApiClient): SessionAuthProvider {
  let current: SessionUser | undefined;

  const remember = (answer: SignedIn | undefined) => {
    current = answer?.user;
    api.csrf.set(answer?.csrfToken);
    return current;
  };
  const me = async () => remember((await api.request<SignedIn>('/auth/me')).json);
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

    async getIdentity(): Promise<UserIdentity> {
      const user = current ?? (await me());
      if (!user) throw new Error('signed out');
      return { id: user.id, fullName: user.name || user.login, login: user.login, role: user.role };
    },

    async getPermissions() {
      // Asked before the resources render, signed in or not: signed out has no role, which is not an error (an error
      // here would sign out again and reload the login page in a loop).
      if (current) return current.role;
      try {
        return (await me())?.role;
      } catch {
        return undefined;
      }
    },

    refreshSession: async () => {
      await me();
    },
  };
}
