/**
 * The session and profile pages in a real browser against the built server, the real registry and skopeo: the login
 * page offers "forgot password" (SMTP is set), the mailed link opens the reset page and sets a password; a user signs
 * in, changes the password, creates a pull-only personal access token (shown once, copied) that skopeo can pull with
 * but not push with, signs out a registry client, and after the session ends comes back through the login page to the
 * page they were on; an admin with the generated first-start password is asked to change it. axe-core checks the login, reset and profile pages; screenshots (light and dark) go to
 * apps/web/screenshots/.
 */

import { mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildOciImage,
  type Credentials,
  copyFromRegistry,
  copyToRegistry,
  describeE2E,
  type OciImage,
  type RunningRegistry,
  startRegistry,
} from '@registry-admin/test-support';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launchChromium, SCREENSHOTS } from './harness/browser';
import { freePort, type RunningRegistryAdmin, registryConfig, startRegistryAdmin } from './harness/registry-admin';

/** Each test drives a browser through several pages; a loaded 2-core machine needs the room. */
const BROWSER_TEST_TIMEOUT_MS = 240_000;
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Mail bodies arrive quoted-printable: undo soft line breaks and =XX escapes. */
const unquote = (body: string) =>
  body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

describeE2E('session and profile pages', () => {
  describeBrowser('in Chromium, with the real registry and skopeo', () => {
    let server: RunningRegistryAdmin;
    let registry: RunningRegistry;
    let browser: Browser;
    let smtp: SMTPServer;
    let image: OciImage;
    let axeSource: string;
    const mails: string[] = [];
    /** dana's password as the test goes: set by the reset link, then changed on the profile page. */
    let password = 'dana-password-1';

    async function api(method: string, path: string, body?: unknown, authorization = server.adminAuth) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    }
    const dana = (secret = password): Credentials => ({ username: 'dana', password: secret });
    const danaAuth = (secret = password) => `Basic ${Buffer.from(`dana:${secret}`).toString('base64')}`;
    const ref = (repository: string, tag = 'v1') => `${registry.host}/${repository}:${tag}`;

    beforeAll(async () => {
      axeSource = await readFile(AXE_SOURCE, 'utf8');
      smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onData(stream, _session, callback) {
          let body = '';
          stream.on('data', (chunk: Buffer) => {
            body += chunk.toString();
          });
          stream.on('end', () => {
            mails.push(unquote(body));
            callback();
          });
        },
      });
      await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
      const smtpPort = (smtp.server.address() as AddressInfo).port;

      const dataDir = await mkdtemp(join(tmpdir(), 'ra-profile-server-'));
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const fragment = await registryConfig({ dataDir, url });
      registry = await startRegistry({ auth: fragment.auth.token });
      const registryPort = registry.host.split(':')[1] ?? '';
      server = await startRegistryAdmin(
        [
          '--public-url',
          url,
          '--registry.host',
          'http://127.0.0.1',
          '--registry.port',
          registryPort,
          '--registry.sync',
          'false',
          '--smtp.host',
          '127.0.0.1',
          '--smtp.port',
          String(smtpPort),
        ],
        { dataDir, port },
      );
      const user = await api('POST', '/api/v1/users', {
        login: 'dana',
        password,
        name: 'Dana Example',
        email: 'dana@example.com',
      });
      await api('POST', '/api/v1/access-rules', {
        subjectType: 'user',
        subjectId: user.id,
        pattern: 'dana/**',
        actions: ['pull', 'push'],
      });
      image = await buildOciImage(join(await mkdtemp(join(tmpdir(), 'ra-profile-images-')), 'app'), {
        tag: 'v1',
        seed: 'profile',
      });
      const pushed = await copyToRegistry(image.dir, 'v1', ref('dana/app'), dana());
      expect(pushed.code, pushed.stderr).toBe(0);
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await registry?.stop();
      await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    });

    async function newPage(colorScheme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 900 } });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      return { context, page: await context.newPage() };
    }

    /** axe-core's serious and critical violations on the page as it is now (evaluated past the page's CSP). */
    async function accessibilityProblems(page: Page): Promise<string[]> {
      await page.evaluate(axeSource);
      // A string, run in the page: this package's types have no DOM.
      const violations = await page.evaluate<Array<{ id: string; impact: string; nodes: string[] }>>(
        `axe.run().then((result) => result.violations.map((violation) => ({
          id: violation.id,
          impact: String(violation.impact),
          nodes: violation.nodes.map((node) => JSON.stringify(node.target)),
        })))`,
      );
      return violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map((violation) => `${violation.impact} ${violation.id}: ${violation.nodes.join(', ')}`);
    }

    async function signIn(page: Page, secret = password) {
      await page.locator('#login-username').fill('dana');
      await page.locator('#login-password').fill(secret);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    it(
      'shows the login page with "forgot password", accessible, light and dark',
      async () => {
        for (const scheme of ['light', 'dark'] as const) {
          const { context, page } = await newPage(scheme);
          await page.goto(`${server.url}/`);
          await page.waitForURL(/\/login$/);
          await page.getByRole('heading', { name: 'registry-admin', level: 1 }).waitFor();
          await page.getByRole('button', { name: 'Forgot password?' }).waitFor();
          expect(await page.title()).toContain('registry-admin');
          expect(await accessibilityProblems(page)).toEqual([]);
          await page.screenshot({ path: join(SCREENSHOTS, `login-${scheme}.png`) });
          await context.close();
        }
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'mails a reset link that opens the reset page, which sets the password',
      async () => {
        const { context, page } = await newPage();
        await page.goto(`${server.url}/login`);
        await page.getByRole('button', { name: 'Forgot password?' }).click();
        await page.locator('#reset-login').fill('dana');
        await page.getByRole('button', { name: 'Send reset link' }).click();
        await page.getByText('a link to set a new password has been sent').waitFor();
        await expect.poll(() => mails.length, { timeout: 15_000 }).toBe(1);
        const link = /(http:\/\/\S+\/reset-password#token=\S+)/.exec(mails[0] ?? '')?.[1];
        expect(link).toBeDefined();

        await page.goto(link as string);
        expect(new URL(page.url()).pathname).toBe('/reset-password');
        await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
        expect(await accessibilityProblems(page)).toEqual([]);
        await page.locator('#reset-password').fill('dana-password-2');
        await page.locator('#reset-confirm').fill('dana-password-2');
        await page.getByRole('button', { name: 'Set password' }).click();
        await page.getByText('password changed').waitFor();
        password = 'dana-password-2';
        expect(await api('GET', '/api/v1/auth/me', undefined, danaAuth())).toMatchObject({ user: { login: 'dana' } });

        // The link works once (a fresh load: the same URL again would only be a same-document fragment change).
        await page.goto('about:blank');
        await page.goto(link as string);
        await page.locator('#reset-password').fill('dana-password-9');
        await page.locator('#reset-confirm').fill('dana-password-9');
        await page.getByRole('button', { name: 'Set password' }).click();
        await page.getByRole('alert').getByText('invalid, expired or already used').waitFor();
        // A link without its token says so instead of showing a form that cannot work.
        await page.goto(`${server.url}/reset-password`);
        await page.getByText('This link is incomplete').waitFor();
        await context.close();
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'signs in, opens the profile from the user menu and changes the password',
      async () => {
        const { context, page } = await newPage();
        await page.goto(`${server.url}/`);
        await page.waitForURL(/\/login$/);
        await signIn(page, 'wrong-password');
        await page.getByRole('alert').getByText('invalid login or password').waitFor();
        await signIn(page);
        await page.getByRole('button', { name: 'Profile' }).click();
        await page.getByRole('menuitem', { name: 'My profile' }).click();
        await page.waitForURL(/\/profile$/);
        const command = page.locator('#docker-login-command');
        await expect.poll(() => command.inputValue()).toBe(`docker login ${registry.host} -u dana`);

        await page.locator('#profile-currentPassword').fill('not-my-password');
        await page.locator('#profile-newPassword').fill('dana-password-3');
        await page.locator('#profile-confirm').fill('dana-password-3');
        await page.getByRole('button', { name: 'Change password' }).click();
        await page.getByText('the current password is not right').waitFor();

        await page.locator('#profile-currentPassword').fill(password);
        await page.getByRole('button', { name: 'Change password' }).click();
        await page.getByText('Password changed.').waitFor();
        const old = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: danaAuth() } });
        expect(old.status).toBe(401);
        password = 'dana-password-3';
        expect((await api('GET', '/api/v1/auth/me', undefined, danaAuth())).user.login).toBe('dana');
        // The browser was kept signed in on a fresh session, and its writes still carry the right CSRF token.
        await page.getByRole('button', { name: 'New token' }).click();
        await page.locator('#token-name').fill('after-change');
        await page.getByRole('button', { name: 'Create token' }).click();
        await page.getByRole('heading', { name: 'Token "after-change" created' }).waitFor();
        await context.close();
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'creates a pull-only token shown once, which skopeo can pull with but not push with',
      async () => {
        const { context, page } = await newPage();
        await page.goto(`${server.url}/profile`);
        await page.waitForURL(/\/login$/);
        await signIn(page);
        await page.waitForURL(/\/profile$/);
        await page.getByRole('button', { name: 'New token' }).click();
        await page.locator('#token-name').fill('ci pull');
        expect(await page.getByLabel('Pull only (read-only)').isChecked()).toBe(true);
        await page.getByRole('button', { name: 'Create token' }).click();
        const secretField = page.locator('#created-token-secret');
        await expect.poll(() => secretField.inputValue()).toMatch(/^ra_pat_/);
        const secret = await secretField.inputValue();
        await page.getByRole('button', { name: 'Copy the token' }).click();
        expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);
        await page.getByRole('button', { name: 'Done' }).click();
        const row = page.getByRole('row', { name: /ci pull/ });
        await row.getByText('pull only').waitFor();
        // The secret is not on the page any more, nor in the list the server sends.
        expect(await page.content()).not.toContain(secret);
        expect(JSON.stringify(await api('GET', '/api/v1/tokens', undefined, danaAuth()))).not.toContain(secret);

        const dest = await mkdtemp(join(tmpdir(), 'ra-profile-pull-'));
        const pulled = await copyFromRegistry(ref('dana/app'), dest, dana(secret));
        expect(pulled.code, pulled.stderr).toBe(0);
        const pushed = await copyToRegistry(image.dir, 'v1', ref('dana/app', 'v2'), dana(secret));
        expect(pushed.code).not.toBe(0);
        expect(pushed.stderr).toMatch(/denied|unauthorized|authentication required/i);

        // Revoked, it no longer pulls.
        await row.getByRole('button', { name: 'Revoke ci pull' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
        await expect.poll(() => page.getByRole('row', { name: /ci pull/ }).count()).toBe(0);
        const refused = await copyFromRegistry(ref('dana/app'), dest, dana(secret));
        expect(refused.code).not.toBe(0);
        await context.close();
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'lists signed-in registry clients and signs one out',
      async () => {
        // What `docker login` does: a refresh token for its client id.
        const login = await fetch(
          `${server.url}/api/v1/registry/auth?service=${encodeURIComponent('container_registry')}&offline_token=true&client_id=docker-laptop`,
          { headers: { authorization: danaAuth() } },
        );
        expect(login.status).toBe(200);
        const { context, page } = await newPage();
        await page.goto(`${server.url}/profile`);
        await signIn(page);
        await page.waitForURL(/\/profile$/);
        const row = page.getByRole('row', { name: /docker-laptop/ });
        await row.waitFor();
        await row.getByRole('button', { name: 'Sign out docker-laptop' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Sign out' }).click();
        await expect.poll(() => page.getByRole('row', { name: /docker-laptop/ }).count()).toBe(0);
        expect(await api('GET', '/api/v1/clients', undefined, danaAuth())).toEqual([]);
        await context.close();
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'after the session ends, goes through the login page back to the page the user was on',
      async () => {
        const { context, page } = await newPage();
        await page.goto(`${server.url}/profile`);
        await signIn(page);
        await page.waitForURL(/\/profile$/);
        await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
        // The session ends on the server (as at its idle or absolute limit, or a sign-out elsewhere).
        await api('POST', '/api/v1/auth/logout-everywhere', undefined, danaAuth());
        await page.reload();
        await page.waitForURL(/\/login$/);
        await signIn(page);
        await page.waitForURL(/\/profile$/);
        await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
        await context.close();
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'shows the profile page accessibly, light and dark',
      async () => {
        for (const scheme of ['light', 'dark'] as const) {
          const { context, page } = await newPage(scheme);
          await page.goto(`${server.url}/profile`);
          await signIn(page);
          await page.waitForURL(/\/profile$/);
          await page.getByRole('heading', { name: 'Signed-in registry clients' }).waitFor();
          // Both lists loaded (no placeholder left), so axe sees the page as the user does.
          await expect.poll(() => page.locator('.MuiSkeleton-root').count()).toBe(0);
          expect(await accessibilityProblems(page)).toEqual([]);
          await page.screenshot({ path: join(SCREENSHOTS, `profile-${scheme}.png`), fullPage: true });
          await context.close();
        }
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'suggests changing the generated admin password until it is changed',
      async () => {
        const first = await startRegistryAdmin([], { generatedAdminPassword: true });
        try {
          const { context, page } = await newPage();
          await page.goto(`${first.url}/`);
          await page.locator('#login-username').fill('admin');
          await page.locator('#login-password').fill(first.adminPassword);
          await page.getByRole('button', { name: 'Sign in' }).click();
          const notice = page.getByText('You signed in with the password generated at the first start');
          await notice.waitFor();
          await page.getByRole('link', { name: 'Change it' }).click();
          await page.waitForURL(/\/profile$/);
          await page.locator('#profile-currentPassword').fill(first.adminPassword);
          await page.locator('#profile-newPassword').fill('chosen-admin-password');
          await page.locator('#profile-confirm').fill('chosen-admin-password');
          await page.getByRole('button', { name: 'Change password' }).click();
          await page.getByText('Password changed.').waitFor();
          await expect.poll(() => notice.count()).toBe(0);
          // Not shown again on the next sign-in either: the server no longer flags the account.
          await page.reload();
          await page.getByRole('heading', { name: 'Change password' }).waitFor();
          expect(await notice.count()).toBe(0);
          await context.close();
        } finally {
          await first.stop();
        }
      },
      BROWSER_TEST_TIMEOUT_MS,
    );
  });
});
