/**
 * The session calls made before anyone is signed in: what the login page may offer, asking for a reset link, and
 * setting a new password with one. They go through the app's one API client (no CSRF token: there is no session).
 */
import type { ApiClient } from '../providers/api-client';

/**
 * The path of the page the reset mail links to, `<public URL>/reset-password#token=…` (the server builds that link
 * and answers the path with the app). The token stays in the fragment: browsers never send it to a server.
 */
export const RESET_PASSWORD_PATH = '/reset-password';

export interface SignInOptions {
  /** Reset by e-mail is set up on the server (SMTP). */
  passwordReset: boolean;
}

export function createSessionApi(api: ApiClient) {
  let options: Promise<SignInOptions> | undefined;
  return {
    /** Asked once per page load; a failure offers no reset (the login form still works). */
    signInOptions(): Promise<SignInOptions> {
      options ??= api
        .request<SignInOptions>('/auth/options')
        .then((response) => response.json)
        .catch(() => ({ passwordReset: false }));
      return options;
    },
    async requestPasswordReset(login: string): Promise<string> {
      const answer = await api.request<{ message: string }>('/auth/password-reset', {
        method: 'POST',
        body: { login },
        csrf: false,
      });
      return answer.json.message;
    },
    async completePasswordReset(token: string, password: string): Promise<string> {
      const answer = await api.request<{ message: string }>('/auth/password-reset/complete', {
        method: 'POST',
        body: { token, password },
        csrf: false,
      });
      return answer.json.message;
    },
  };
}

export type SessionApi = ReturnType<typeof createSessionApi>;

/** The reset token in a link's fragment (`#token=…`), if any. */
export function resetTokenFrom(hash: string): string | undefined {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token || undefined;
}

/**
 * Links mailed before the page had its own path pointed at `/#/reset-password?token=…`; such a link, opened within its
 * hour, is rewritten to the page's real address (fragment kept) before the app starts.
 */
export function upgradeOldResetLink(location: Pick<Location, 'pathname' | 'hash'>): string | undefined {
  const match = /^#\/reset-password\?(.*)$/.exec(location.hash);
  if (location.pathname !== '/' || !match) return undefined;
  const token = new URLSearchParams(match[1]).get('token');
  return token ? `${RESET_PASSWORD_PATH}#token=${encodeURIComponent(token)}` : RESET_PASSWORD_PATH;
}
