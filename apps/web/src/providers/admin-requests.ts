/**
 * The admin screens' calls that are not list/record operations: a pattern's preview over the indexed repositories,
 * an access decision with its reasons, a service account's new secret, a password-reset mail. Through the same API
 * client as the data provider, so writes carry the CSRF token and errors arrive as `HttpError`s.
 */
import type { ApiClient } from './api-client';

/** `GET /access-rules/preview`: the first matching repository names (by name) and how many match. */
export interface PatternPreview {
  pattern: string;
  matches: string[];
  total: number;
  /** How many repositories the index holds. */
  repositories: number;
  /** The pattern has `{user}`, shown matching for any user. */
  ownName: boolean;
}

/** The subject of a rule as the access checker names it (the acl package's vocabulary). */
export type CheckedSubject =
  | { kind: 'user' | 'group' | 'service-account'; id: string }
  | { kind: 'registered' | 'everyone' };

export type CheckReason =
  | { action: string; by: 'admin' }
  | { action: string; by: 'rule'; ruleId: string; subject: CheckedSubject; pattern: string };

/** `GET /access-check`: what a token request by that user (or anonymous) would be granted, and why. */
export interface AccessDecision {
  user: string | null;
  anonymous: boolean;
  disabled: boolean;
  decisions: Array<{
    type: string;
    name: string;
    requested: string[];
    granted: string[];
    denied: string[];
    reasons: CheckReason[];
  }>;
}

/** A service account as the API answers at creation and rotation: the only time its secret is shown. */
export interface ServiceAccountWithSecret {
  id: number;
  name: string;
  secret: string;
  [field: string]: unknown;
}

export interface AdminRequests {
  previewPattern(pattern: string, options?: { limit?: number; signal?: AbortSignal }): Promise<PatternPreview>;
  checkAccess(
    request: { user?: string; repository: string; actions: readonly string[] },
    signal?: AbortSignal,
  ): Promise<AccessDecision>;
  rotateServiceAccountSecret(id: number | string): Promise<ServiceAccountWithSecret>;
  /** Asks the server to mail the user a reset link; its answer is the same whether or not a mail goes out. */
  sendPasswordReset(login: string): Promise<string>;
}

export function createAdminRequests(api: ApiClient): AdminRequests {
  return {
    async previewPattern(pattern, options = {}) {
      const query = new URLSearchParams({ pattern });
      if (options.limit !== undefined) query.set('limit', String(options.limit));
      const answer = await api.request<PatternPreview>(
        `/access-rules/preview?${query}`,
        options.signal ? { signal: options.signal } : {},
      );
      return answer.json;
    },

    async checkAccess({ user, repository, actions }, signal) {
      const query = new URLSearchParams({ scope: `repository:${repository}:${actions.join(',')}` });
      if (user) query.set('user', user);
      return (await api.request<AccessDecision>(`/access-check?${query}`, signal ? { signal } : {})).json;
    },

    async rotateServiceAccountSecret(id) {
      const path = `/service-accounts/${encodeURIComponent(String(id))}/secret`;
      return (await api.request<ServiceAccountWithSecret>(path, { method: 'POST' })).json;
    },

    async sendPasswordReset(login) {
      const answer = await api.request<{ message: string }>('/auth/password-reset', {
        method: 'POST',
        body: { login },
      });
      return answer.json.message;
    },
  };
}
