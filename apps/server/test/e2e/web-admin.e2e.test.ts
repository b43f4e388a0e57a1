/**
 * The admin screens in real Chromium against the built server and the real registry: an admin creates a user and a
 * group through the forms, gives the group push on `team/**` in the rule editor and sees the live preview list the
 * existing repository; skopeo then pushes as that user inside the pattern (allowed) and outside it (refused); the
 * access checker explains the decision; the activity log shows the push and the audit log the changes. axe-core finds
 * no serious or critical violation on the users page and the rule editor. Screenshots, light and dark, go to
 * apps/web/screenshots/.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildOciImage,
  type Credentials,
  copyToRegistry,
  describeE2E,
  type OciImage,
  type RunningRegistry,
  startRegistry,
} from '@registry-admin/test-support';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seriousViolations } from './harness/accessibility';
import { describeBrowser, launchChromium, SCREENSHOTS } from './harness/browser';
import { freePort, type RunningRegistryAdmin, registryConfig, startRegistryAdmin } from './harness/registry-admin';

const dev: Credentials = { username: 'dev', password: 'dev-password-1' };
const POLL = { timeout: 30_000, interval: 250 };
/** Each step drives the browser through several pages: more than the project's default per test. */
const STEP = 180_000;

describeBrowser('admin screens in Chromium', () => {
  describeE2E('with the real registry and skopeo', () => {
    let server: RunningRegistryAdmin;
    let registry: RunningRegistry;
    let browser: Browser;
    let page: Page;
    let image: OciImage;
    let ruleId: number;

    const api = async (path: string) => {
      const response = await fetch(`${server.url}${path}`, { headers: { authorization: server.adminAuth } });
      return response.json();
    };
    /** Polls (outside a test, where expect.poll is not available) until `ready` holds. */
    async function eventually(ready: () => Promise<boolean>) {
      for (let i = 0; i < 300; i++) {
        if (await ready()) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the index did not follow the registry');
    }
    const ref = (repository: string) => `${registry.host}/${repository}:v1`;
    const shoot = (name: string, scheme: 'light' | 'dark', target: Page = page) =>
      target.screenshot({ path: join(SCREENSHOTS, `${name}-${scheme}.png`), fullPage: true });

    async function signIn(target: Page) {
      await target.goto(`${server.url}/`);
      await target.waitForURL(/\/login$/);
      await target.locator('input[name="username"]').fill('admin');
      await target.locator('input[name="password"]').fill(server.adminPassword);
      await target.getByRole('button', { name: 'Sign in' }).click();
      await target.getByRole('menuitem', { name: 'Users' }).waitFor();
    }

    beforeAll(async () => {
      await mkdir(SCREENSHOTS, { recursive: true });
      const dataDir = await mkdtemp(join(tmpdir(), 'ra-web-admin-'));
      const port = await freePort();
      const fragment = await registryConfig({ dataDir, url: `http://127.0.0.1:${port}` });
      registry = await startRegistry({ auth: fragment.auth.token, notifications: fragment.notifications });
      const registryPort = registry.host.split(':')[1] ?? '';
      server = await startRegistryAdmin(
        ['--registry.host', 'http://127.0.0.1', '--registry.port', registryPort, '--registry.sync', 'false'],
        { dataDir, port },
      );
      const admin = { username: 'admin', password: server.adminPassword };
      image = await buildOciImage(join(await mkdtemp(join(tmpdir(), 'ra-web-admin-image-')), 'one'), {
        tag: 'v1',
        seed: 'web-admin',
      });
      // What the registry holds before any rule: one repository inside the coming pattern, one outside.
      for (const repository of ['team/app', 'other/app']) {
        expect((await copyToRegistry(image.dir, 'v1', ref(repository), admin)).code).toBe(0);
      }
      await eventually(async () => ((await api('/api/v1/repositories')) as unknown[]).length === 2);
      // A former colleague, disabled: the users list marks such accounts.
      await fetch(`${server.url}/api/v1/users`, {
        method: 'POST',
        headers: { authorization: server.adminAuth, 'content-type': 'application/json' },
        body: JSON.stringify({
          login: 'former',
          password: 'former-password-1',
          name: 'Former Colleague',
          disabled: true,
        }),
      });
      browser = await launchChromium();
      page = await browser.newPage({ colorScheme: 'light', viewport: { width: 1280, height: 860 } });
      await signIn(page);
    });
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await registry?.stop();
    });

    it(
      'creates a user and a group with that user through the forms',
      async () => {
        await page.goto(`${server.url}/users/create`);
        await page.locator('input[name="login"]').fill(dev.username);
        await page.locator('input[name="password"]').fill(dev.password);
        await page.locator('input[name="name"]').fill('Dev Eloper');
        await page.getByRole('button', { name: 'Save' }).click();
        await page.waitForURL(/\/users$/);
        await expect.poll(() => page.getByRole('cell', { name: dev.username, exact: true }).count(), POLL).toBe(1);

        await page.goto(`${server.url}/groups/create`);
        await page.locator('input[name="name"]').fill('devs');
        await page.getByRole('combobox', { name: 'Members' }).fill('dev');
        await page.getByRole('option', { name: dev.username, exact: true }).click();
        await page.getByRole('button', { name: 'Save' }).click();
        await page.waitForURL(/\/groups$/);
        await expect.poll(() => page.getByRole('cell', { name: 'devs', exact: true }).count(), POLL).toBe(1);

        const [group] = (await api('/api/v1/groups')) as Array<{ name: string; members: number[] }>;
        const [user] = (await api(`/api/v1/users?filter=${encodeURIComponent('{"q":"dev"}')}`)) as Array<{
          id: number;
        }>;
        expect(group).toMatchObject({ name: 'devs', members: [user?.id] });

        // The users list shows the group beside its member; axe finds nothing serious there.
        await page.goto(`${server.url}/users`);
        await expect.poll(() => page.getByText('devs', { exact: true }).count(), POLL).toBe(1);
        expect(await seriousViolations(page)).toEqual([]);
        await shoot('admin-users', 'light');
      },
      STEP,
    );

    it(
      'gives the group push on team/** and previews the matching repository live',
      async () => {
        await page.goto(`${server.url}/access-rules/create`);
        await page.getByRole('radio', { name: 'Group' }).check();
        await page.getByRole('combobox', { name: 'Which group' }).fill('devs');
        await page.getByRole('option', { name: 'devs', exact: true }).click();
        await page.getByRole('checkbox', { name: 'push', exact: true }).check();
        const pattern = page.getByRole('textbox', { name: 'Repositories (pattern)' });
        const summary = page.getByTestId('preview-summary');
        const matches = page.getByRole('list', { name: 'matches' });

        // Every keystroke changes the pattern; the preview follows the last one.
        await pattern.fill('**');
        await expect.poll(() => summary.textContent(), POLL).toContain('2 of 2 repositories match');
        await pattern.fill('nothing/*');
        await expect.poll(() => summary.textContent(), POLL).toContain('No existing repository matches');
        await pattern.fill('Team/**');
        await expect.poll(() => page.getByTestId('preview-problem').textContent(), POLL).toContain('contains "T"');
        await pattern.fill('team/**');
        await expect.poll(() => summary.textContent(), POLL).toContain('1 of 2 repositories match');
        expect(await matches.getByRole('listitem').allTextContents()).toEqual(['team/app']);

        expect(await seriousViolations(page)).toEqual([]);
        await shoot('rule-editor', 'light');
        await page.getByRole('button', { name: 'Save' }).click();
        await page.waitForURL(/\/access-rules$/);
        const rules = (await api('/api/v1/access-rules')) as Array<{
          id: number;
          subjectType: string;
          pattern: string;
          actions: string[];
        }>;
        expect(rules).toEqual([
          expect.objectContaining({ subjectType: 'group', pattern: 'team/**', actions: ['pull', 'push'] }),
        ]);
        ruleId = rules[0]?.id ?? 0;
        await expect.poll(() => page.getByRole('cell', { name: 'team/**' }).count(), POLL).toBe(1);
      },
      STEP,
    );

    it(
      'lets the user push inside the pattern and refuses a repository outside it',
      async () => {
        expect((await copyToRegistry(image.dir, 'v1', ref('team/new'), dev)).code).toBe(0);
        const refused = await copyToRegistry(image.dir, 'v1', ref('other/new'), dev);
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toMatch(/denied|unauthorized|insufficient_scope/i);
      },
      STEP,
    );

    it(
      'explains the decision in the access checker',
      async () => {
        await page.getByRole('menuitem', { name: 'Access checker' }).click();
        await page.waitForURL(/\/access-check/);
        await page.getByRole('combobox', { name: 'User (login)' }).fill(dev.username);
        await page.getByRole('combobox', { name: 'Repository' }).fill('team/new');
        await page.keyboard.press('Escape');
        await page.getByRole('button', { name: 'Check' }).click();
        const decision = page.getByTestId('decision');
        await expect.poll(() => decision.textContent(), POLL).toContain('dev may pull, push team/new.');
        const text = (await decision.textContent()) ?? '';
        expect(text).toContain(`by rule #${ruleId}`);
        expect(text).toContain('Group');
        expect(text).toContain('devs');
        expect(text).toContain('team/**');
        expect(page.url()).toContain('user=dev');
        await shoot('access-checker', 'light');

        await page.goto(`${server.url}/access-check?user=dev&repository=other/new&actions=pull,push`);
        await expect.poll(() => decision.textContent(), POLL).toContain('dev may not pull, push other/new.');
        await page.goto(`${server.url}/access-check?repository=team/new&actions=pull`);
        await expect.poll(() => decision.textContent(), POLL).toContain('An anonymous caller may not pull team/new.');
      },
      STEP,
    );

    it(
      'shows the push in the activity log and the changes in the audit log',
      async () => {
        await page.goto(`${server.url}/events?filter=${encodeURIComponent('{"actor":"dev"}')}`);
        // The registry notifies in the background: reload until its event is in.
        await expect
          .poll(async () => {
            const listed = page.waitForResponse((answer) => new URL(answer.url()).pathname === '/api/v1/events');
            await page.reload();
            await listed;
            return page.getByRole('cell', { name: 'team/new', exact: true }).count();
          }, POLL)
          .toBeGreaterThan(0);
        expect(await page.getByRole('cell', { name: 'other/new', exact: true }).count()).toBe(0);
        await shoot('activity-log', 'light');

        await page.getByRole('menuitem', { name: 'Audit log' }).click();
        await page.waitForURL(/\/audit-events/);
        for (const [action, count] of [
          ['user.create', 2],
          ['group.create', 1],
          ['rule.create', 1],
        ] as const) {
          await expect.poll(() => page.getByText(action, { exact: true }).count(), POLL).toBe(count);
        }
        await shoot('audit-log', 'light');
      },
      STEP,
    );

    it(
      'creates a service account whose secret is shown once, and rotates it',
      async () => {
        const signsIn = async (secret: string) =>
          (
            await fetch(`${server.url}/api/v1/registry/auth?service=container_registry`, {
              headers: { authorization: `Basic ${Buffer.from(`ci-bot:${secret}`).toString('base64')}` },
            })
          ).status;
        await page.goto(`${server.url}/service-accounts/create`);
        await page.locator('input[name="name"]').fill('ci-bot');
        await page.getByRole('button', { name: 'Save' }).click();
        const dialog = page.getByRole('dialog', { name: 'Secret of ci-bot' });
        await dialog.waitFor();
        const first = await dialog.getByRole('textbox', { name: 'Secret' }).inputValue();
        expect(first.length).toBeGreaterThan(20);
        expect(await signsIn(first)).toBe(200);
        await shoot('service-account-secret', 'light');
        await dialog.getByRole('button', { name: 'Done' }).click();
        await page.waitForURL(/\/service-accounts$/);
        // Shown once: the list and the record hold no secret.
        expect(await page.content()).not.toContain(first);

        await page.getByRole('cell', { name: 'ci-bot', exact: true }).click();
        await page.getByRole('button', { name: 'Rotate secret' }).click();
        await page.getByRole('button', { name: 'Rotate', exact: true }).click();
        const rotated = page.getByRole('dialog', { name: 'Secret of ci-bot' });
        await rotated.waitFor();
        const second = await rotated.getByRole('textbox', { name: 'Secret' }).inputValue();
        expect(second).not.toBe(first);
        expect(await signsIn(second)).toBe(200);
        expect(await signsIn(first)).toBe(401);
        await rotated.getByRole('button', { name: 'Done' }).click();
      },
      STEP,
    );

    it(
      'shows the same screens in the dark theme',
      async () => {
        const dark = await browser.newPage({ colorScheme: 'dark', viewport: { width: 1280, height: 860 } });
        await signIn(dark);
        const background = await dark.evaluate<string>('getComputedStyle(document.body).backgroundColor');
        expect(background).toBe('rgb(18, 20, 23)');
        await dark.goto(`${server.url}/users`);
        await expect.poll(() => dark.getByText('devs', { exact: true }).count(), POLL).toBe(1);
        await shoot('admin-users', 'dark', dark);
        await dark.goto(`${server.url}/access-rules/${ruleId}`);
        await expect
          .poll(() => dark.getByTestId('preview-summary').textContent(), POLL)
          .toContain('2 of 3 repositories match');
        await shoot('rule-editor', 'dark', dark);
        await dark.goto(`${server.url}/access-check?user=dev&repository=team/new&actions=pull,push`);
        await expect.poll(() => dark.getByTestId('decision').textContent(), POLL).toContain('may pull, push');
        await shoot('access-checker', 'dark', dark);
        await dark.goto(`${server.url}/audit-events`);
        await expect.poll(() => dark.getByText('rule.create', { exact: true }).count(), POLL).toBe(1);
        await shoot('audit-log', 'dark', dark);
        await dark.close();
      },
      STEP,
    );

    it(
      'shows a manager the admin lists to read, with nothing to create or edit',
      async () => {
        const created = await fetch(`${server.url}/api/v1/users`, {
          method: 'POST',
          headers: { authorization: server.adminAuth, 'content-type': 'application/json' },
          body: JSON.stringify({ login: 'manny', password: 'manny-password-1', role: 'manager' }),
        });
        expect(created.status).toBe(201);
        const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1280, height: 860 } });
        const view = await context.newPage();
        await view.goto(`${server.url}/login`);
        await view.locator('input[name="username"]').fill('manny');
        await view.locator('input[name="password"]').fill('manny-password-1');
        await view.getByRole('button', { name: 'Sign in' }).click();
        await view.getByRole('menuitem', { name: 'Users' }).waitFor();
        for (const name of ['Groups', 'Access rules', 'Access checker']) {
          expect(await view.getByRole('menuitem', { name }).count(), name).toBe(1);
        }
        await view.goto(`${server.url}/users`);
        await expect.poll(() => view.getByRole('cell', { name: dev.username, exact: true }).count(), POLL).toBe(1);
        expect(await view.getByRole('link', { name: 'Create' }).count()).toBe(0);
        expect(await seriousViolations(view)).toEqual([]);
        await view.goto(`${server.url}/access-rules`);
        await expect.poll(() => view.getByRole('cell', { name: 'team/**' }).count(), POLL).toBeGreaterThan(0);
        expect(await view.getByRole('link', { name: 'Create' }).count()).toBe(0);
        // No editor to reach by its address either: the route is not there for a manager.
        await view.goto(`${server.url}/access-rules/${ruleId}`);
        await view.getByRole('menuitem', { name: 'Users' }).waitFor();
        // Settled (an admin's editor would have loaded its record and shown the form by now).
        await view.waitForLoadState('networkidle');
        expect(await view.locator('input[name="pattern"]').count()).toBe(0);
        await context.close();
      },
      STEP,
    );
  });
});
