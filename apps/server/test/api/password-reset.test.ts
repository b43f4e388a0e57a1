import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESET_ANSWER } from '../../src/routes/password-reset';
import { adminAuth, basic, createTestApp, createUser, type TestApp } from './fixture';

interface Received {
  to: string[];
  body: string;
}

/** Mail bodies arrive quoted-printable: undo soft line breaks and =XX escapes. */
function decodeQuotedPrintable(body: string): string {
  return body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

async function until<T>(read: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('password reset by e-mail', () => {
  let t: TestApp;
  let smtp: SMTPServer;
  const mails: Received[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        let body = '';
        stream.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), body: decodeQuotedPrintable(body) });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const port = (smtp.server.address() as AddressInfo).port;
    t = await createTestApp({
      'public-url': 'https://registry-admin.example.com',
      smtp: { host: '127.0.0.1', port, from: 'registry-admin <noreply@example.com>' },
    });
    await createUser(t.app, 'forgetful', 'forgotten-password', { email: 'forgetful@example.com' });
    await createUser(t.app, 'nomail', 'nomail-password');
    await createUser(t.app, 'impatient', 'impatient-password', { email: 'impatient@example.com' });
  });
  afterAll(async () => {
    await t.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  const ask = (login: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { login } });
  const complete = (token: string, password: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/complete', payload: { token, password } });

  it('tells the login page that reset by e-mail is available', async () => {
    const options = await t.app.inject({ url: '/api/v1/auth/options' });
    expect(options.statusCode).toBe(200);
    expect(options.json()).toEqual({ passwordReset: true });
  });

  it('answers the same for every login, and mails a link only to an existing account with an e-mail address', async () => {
    for (const login of ['nobody-at-all', 'nomail', 'forgetful']) {
      const response = await ask(login);
      expect(response.statusCode).toBe(202);
      expect(response.json().message).toBe(RESET_ANSWER);
    }
    const mail = await until(() => mails[0]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(mails).toHaveLength(1);
    expect(mail.to).toEqual(['forgetful@example.com']);
    // The UI's reset page at a real path (the server's SPA fallback answers it), the token in the fragment.
    expect(mail.body).toContain('https://registry-admin.example.com/reset-password#token=ra_reset_');
  });

  it('sets the new password once through the link, ending old sessions and passwords', async () => {
    const mail = await until(() => mails[0]);
    const token = decodeURIComponent(/token=([^\s]+)/.exec(mail.body)?.[1] ?? '');
    expect(token).toMatch(/^ra_reset_/);
    const short = await complete(token, 'short');
    expect(short.statusCode).toBe(400);
    expect(short.json().error.field).toBe('password');
    const done = await complete(token, 'remembered-password');
    expect(done.statusCode, done.body).toBe(200);
    const again = await complete(token, 'another-password');
    expect(again.statusCode).toBe(400);
    expect(again.json().error.field).toBe('token');
    const login = (password: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: 'forgetful', password } });
    expect((await login('forgotten-password')).statusCode).toBe(401);
    expect((await login('remembered-password')).statusCode).toBe(200);
    const events = await t.app.inject({
      url: `/api/v1/audit-events?filter=${encodeURIComponent('{"action":"user.password-reset"}')}`,
      headers: adminAuth(),
    });
    expect(events.json()).toHaveLength(1);
  });

  it('mails one link for many requests at once (one per account per minute)', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask('impatient')));
    expect(answers.every((answer) => answer.statusCode === 202)).toBe(true);
    await until(() => mails.find((mail) => mail.to.includes('impatient@example.com')));
    // The other requests' background work has finished once no link row is still being written.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(mails.filter((mail) => mail.to.includes('impatient@example.com'))).toHaveLength(1);
  });

  it('refuses expired and made-up links', async () => {
    expect((await complete('ra_reset_made-up', 'whatever-password')).statusCode).toBe(400);
    const user = t.services.access.userByLogin('forgetful');
    if (!user) throw new Error('no user');
    await t.services.store.passwordResets.create({
      userId: user.id,
      tokenHash: (await import('../../src/services/secrets')).hashSecret('ra_reset_expired'),
      expiresAt: new Date(Date.now() - 1000),
    });
    expect((await complete('ra_reset_expired', 'whatever-password')).statusCode).toBe(400);
    expect(
      (
        await t.app.inject({
          url: '/api/v1/auth/me',
          headers: { authorization: basic('forgetful', 'remembered-password') },
        })
      ).statusCode,
    ).toBe(200);
  });
});

describe('password reset without SMTP', () => {
  it('says that it is not configured', async () => {
    const t = await createTestApp();
    try {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset',
        payload: { login: 'admin' },
      });
      expect(response.statusCode).toBe(503);
      expect(response.json().error.message).toContain('ask an administrator');
      // The login page offers no "forgot password" then.
      expect((await t.app.inject({ url: '/api/v1/auth/options' })).json()).toEqual({ passwordReset: false });
    } finally {
      await t.close();
    }
  });
});
