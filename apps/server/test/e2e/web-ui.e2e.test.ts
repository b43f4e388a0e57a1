/**
 * The web UI in a real browser against the built server: sign in through the login page, see the users list, create
 * a user through the form (the CSRF token travels with the write), and sign out. Screenshots of the login page and the
 * users list, light and dark, go to apps/web/screenshots/.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launchChromium, SCREENSHOTS } from './harness/browser';
import { type RunningRegistryAdmin, startRegistryAdmin } from './harness/registry-admin';

describeBrowser('web UI in Chromium', () => {
  let server: RunningRegistryAdmin;
  let browser: Browser;

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    server = await startRegistryAdmin();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function signIn(page: Page) {
    await page.goto(`${server.url}/`);
    await page.waitForURL(/\/login$/);
    await page.locator('input[name="username"]').fill('admin');
    await page.locator('input[name="password"]').fill(server.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('serves the page with its CSP and no console errors on the login page', async () => {
    const page = await browser.newPage({ colorScheme: 'light' });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (answer) => {
      const path = new URL(answer.url()).pathname;
      // Before sign-in /auth/me answers 401, and the browser asks for a favicon the app does not have.
      const expected = path === '/api/v1/auth/me' || path === '/favicon.ico';
      if (answer.status() >= 400 && !expected) errors.push(`${answer.status()} ${path}`);
    });
    const response = await page.goto(`${server.url}/users`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForURL(/\/login$/);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'login-light.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('signs in, lists users, creates one through the form and signs out', async () => {
    const page = await browser.newPage({ colorScheme: 'light', viewport: { width: 1280, height: 800 } });
    await signIn(page);
    await page.getByRole('menuitem', { name: 'Users' }).click();
    await page.waitForURL(/\/users/);
    await expect.poll(() => page.getByRole('cell', { name: 'admin', exact: true }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'users-light.png') });

    await page.getByRole('link', { name: 'Create' }).click();
    await page.waitForURL(/\/users\/create$/);
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('alice-password-1');
    await page.locator('input[name="name"]').fill('Alice Example');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/users$/);
    await expect.poll(() => page.getByRole('cell', { name: 'alice', exact: true }).count()).toBe(1);

    // The user exists on the server, as created through the UI.
    const listed = await fetch(`${server.url}/api/v1/users?filter=${encodeURIComponent('{"q":"alice"}')}`, {
      headers: { authorization: server.adminAuth },
    });
    expect(await listed.json()).toEqual([expect.objectContaining({ login: 'alice', name: 'Alice Example' })]);

    await page.getByRole('button', { name: 'Profile' }).click();
    await page.getByRole('menuitem', { name: 'Logout' }).click();
    await page.waitForURL(/\/login$/);
    // Signed out on the server too: the page's session no longer opens the users list.
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
    expect(me).toBe(401);
    await page.close();
  });

  it('follows a dark system theme', async () => {
    const page = await browser.newPage({ colorScheme: 'dark', viewport: { width: 1280, height: 800 } });
    await signIn(page);
    await page.getByRole('menuitem', { name: 'Users' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'alice', exact: true }).count()).toBe(1);
    const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(18, 20, 23)');
    await page.screenshot({ path: join(SCREENSHOTS, 'users-dark.png') });
    await page.close();
  });
});
