import { describe, expect, it } from 'vitest';
import { createApiClient } from '../providers/api-client';
import { createSessionApi, RESET_PASSWORD_PATH, resetTokenFrom, upgradeOldResetLink } from './session-api';

describe('reset links', () => {
  it('reads the token from the fragment the mail puts it in', () => {
    expect(resetTokenFrom('#token=ra_reset_abc%2Bdef')).toBe('ra_reset_abc+def');
    expect(resetTokenFrom('')).toBeUndefined();
    expect(resetTokenFrom('#token=')).toBeUndefined();
  });

  it('sends links of the old shape to the page, the token kept in the fragment', () => {
    expect(upgradeOldResetLink({ pathname: '/', hash: '#/reset-password?token=ra_reset_x' })).toBe(
      `${RESET_PASSWORD_PATH}#token=ra_reset_x`,
    );
    expect(upgradeOldResetLink({ pathname: '/', hash: '#/reset-password' })).toBeUndefined();
    expect(upgradeOldResetLink({ pathname: '/users', hash: '#/reset-password?token=x' })).toBeUndefined();
    expect(upgradeOldResetLink({ pathname: '/', hash: '' })).toBeUndefined();
  });
});

describe('sign-in options', () => {
  it('asks once and offers no reset when the server cannot be asked', async () => {
    let calls = 0;
    const fetch = (async () => {
      calls += 1;
      return new Response('{"error":{"code":"ERR_INTERNAL","message":"down"}}', { status: 503 });
    }) as typeof globalThis.fetch;
    const session = createSessionApi(createApiClient({ fetch }));
    expect(await session.signInOptions()).toEqual({ passwordReset: false });
    expect(await session.signInOptions()).toEqual({ passwordReset: false });
    expect(calls).toBe(1);
  });
});
