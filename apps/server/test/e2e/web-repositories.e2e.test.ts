/**
 * The repository screens in a real browser against the built server and the real registry: images pushed with
 * skopeo (one a multi-arch index with an attestation) show on the dashboard, in the repositories list and on the
 * repository page; a multi-arch tag opens with one tab per platform; deleting a tag warns about every other tag on
 * the same digest and then removes them all. axe-core finds no serious or critical violation on the repositories,
 * repository and tag pages. Screenshots of the four screens, light and dark, go to apps/web/screenshots/.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildOciImage,
  buildOciIndex,
  type Credentials,
  copyToRegistry,
  describeE2E,
  missingTools,
  type RunningRegistry,
  startRegistry,
} from '@registry-admin/test-support';
import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launchChromium, SCREENSHOTS } from './harness/browser';
import { freePort, type RunningRegistryAdmin, registryConfig, startRegistryAdmin } from './harness/registry-admin';

/** Polls of the UI wait this long: a loaded 2-core machine renders slowly. */
const POLL = { timeout: 30_000, interval: 200 };

const describeSuite = missingTools().length > 0 ? describeE2E : describeBrowser;

interface Violation {
  id: string;
  impact: string | null;
  targets: string[];
}

describeSuite('repository screens in Chromium', () => {
  let server: RunningRegistryAdmin;
  let registry: RunningRegistry;
  let browser: Browser;
  let admin: Credentials;
  let index: Awaited<ReturnType<typeof buildOciIndex>>;

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: server.adminAuth } });
    return (await response.json()) as T;
  };
  const tagNames = async (repository: string) =>
    (
      await api<Array<{ name: string }>>(
        `/tags?filter=${encodeURIComponent(JSON.stringify({ repository }))}&sort=["version","DESC"]`,
      )
    ).map((tag) => tag.name);

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    const dataDir = await mkdtemp(join(tmpdir(), 'ra-web-repos-server-'));
    const port = await freePort();
    const fragment = await registryConfig({ dataDir, url: `http://127.0.0.1:${port}` });
    registry = await startRegistry({ auth: fragment.auth.token, notifications: fragment.notifications });
    const registryPort = registry.host.split(':')[1] ?? '';
    server = await startRegistryAdmin(['--registry.host', 'http://127.0.0.1', '--registry.port', registryPort], {
      dataDir,
      port,
    });
    admin = { username: 'admin', password: server.adminPassword };
    const dir = await mkdtemp(join(tmpdir(), 'ra-web-repos-images-'));
    const ref = (repository: string, tag: string) => `${registry.host}/${repository}:${tag}`;
    const push = async (layout: string, tag: string, target: string, extra: string[] = []) => {
      const result = await copyToRegistry(layout, tag, target, admin, extra);
      if (result.code !== 0) throw new Error(`skopeo copy to ${target}: ${result.stderr}`);
    };
    const v1 = await buildOciImage(join(dir, 'v1'), { tag: 'v1', seed: 'web-v1' });
    const v11 = await buildOciImage(join(dir, 'v11'), { tag: 'v11', seed: 'web-v11', layers: 3 });
    index = await buildOciIndex(join(dir, 'multi'), {
      tag: 'multi',
      seed: 'web-multi',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      attestation: true,
    });
    await push(v1.dir, 'v1', ref('team/app', '1.0.0'));
    // Three tags on one digest: deleting one of them deletes all three.
    for (const tag of ['1.1.0', 'stable', 'latest']) await push(v11.dir, 'v11', ref('team/app', tag));
    await push(index.dir, 'multi', ref('team/app', '2.0.0'), ['--all']);
    await push(v1.dir, 'v1', ref('tools/base', '1.0.0'));
    // The notifications reach the index without waiting for a sync.
    for (let i = 0; i < 200; i++) {
      if ((await tagNames('team/app')).length === 5 && (await tagNames('tools/base')).length === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await tagNames('team/app')).toEqual(['stable', 'latest', '2.0.0', '1.1.0', '1.0.0']);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await registry?.stop();
  });

  async function signIn(page: Page) {
    await page.goto(`${server.url}/`);
    await page.waitForURL(/\/login$/);
    await page.locator('input[name="username"]').fill('admin');
    await page.locator('input[name="password"]').fill(server.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('is reachable').waitFor();
  }

  /** Serious and critical axe-core violations on the page as it is now (axe is injected past the page's CSP). */
  async function accessibilityViolations(page: Page): Promise<Violation[]> {
    await page.evaluate(axe.source);
    return page.evaluate(async () => {
      const run = (globalThis as unknown as { axe: typeof axe }).axe.run;
      // The app bar's user menu (react-admin's own, labelled "Profile" around the user's name) belongs to the shared
      // layout and is checked with it; these pages are checked without it.
      const result = await run({ exclude: [['header button[aria-label="Profile"]']] }, { resultTypes: ['violations'] });
      return result.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map((violation) => ({
          id: violation.id,
          impact: violation.impact ?? null,
          targets: violation.nodes.map((node) => node.target.join(' ')),
        }));
    });
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });

  it('shows the dashboard, the repositories, a repository and a multi-arch tag, accessibly', async () => {
    const page = await browser.newPage({ colorScheme: 'light', viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') console.log('browser console:', message.text());
    });
    await signIn(page);
    // Dashboard: the registry answers; totals count both repositories and all six tags.
    await expect.poll(() => page.getByText('Repositories', { exact: true }).count(), POLL).toBeGreaterThan(0);
    await page.getByText(/Pushed team\/app:2\.0\.0/).waitFor();
    await expect
      .poll(() => page.locator('p.MuiTypography-h4').allInnerTexts(), POLL)
      .toEqual(['2', '6', expect.any(String), '1']);
    await shot(page, 'dashboard-light.png');

    await page.getByRole('menuitem', { name: 'Repositories' }).click();
    await page.getByRole('cell', { name: 'team/app', exact: true }).waitFor();
    await page.getByPlaceholder('Search repositories').fill('tools');
    await expect.poll(() => page.getByRole('cell', { name: 'team/app', exact: true }).count(), POLL).toBe(0);
    await page.getByRole('cell', { name: 'tools/base', exact: true }).waitFor();
    await page.getByPlaceholder('Search repositories').fill('');
    await page.getByRole('cell', { name: 'team/app', exact: true }).waitFor();
    await expect(page.getByText(`docker pull ${registry.host}/team/app`, { exact: true }).count()).resolves.toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await shot(page, 'repositories-light.png');

    await page.getByRole('cell', { name: 'team/app', exact: true }).click();
    await page.waitForURL(/\/repositories\/\d+\/show$/);
    const tagCells = page.locator('tbody td.column-name');
    await expect.poll(() => tagCells.allInnerTexts(), POLL).toEqual(['stable', 'latest', '2.0.0', '1.1.0', '1.0.0']);
    expect(await accessibilityViolations(page)).toEqual([]);
    await shot(page, 'repository-light.png');

    await page.getByRole('tab', { name: 'Activity' }).click();
    // Five tag pushes, and the index's own children pushed before it.
    await expect
      .poll(() => page.getByRole('cell', { name: 'push', exact: true }).count(), POLL)
      .toBeGreaterThanOrEqual(5);
    await page.getByRole('cell', { name: 'stable', exact: true }).waitFor();
    await page.getByRole('tab', { name: 'Who can access' }).click();
    await page.getByText(/Admins may do everything everywhere, without a rule: admin/).waitFor();
    await page.getByRole('tab', { name: 'Tags' }).click();

    await page.getByRole('cell', { name: '2.0.0', exact: true }).click();
    await page.waitForURL(/\/tags\/.+\/show$/);
    const platforms = page.getByRole('tablist', { name: 'Platforms' }).getByRole('tab');
    await expect.poll(() => platforms.allInnerTexts(), POLL).toEqual(['LINUX/AMD64', 'LINUX/ARM64/V8']);
    await page.getByText('Attestations (1)').waitFor();
    await page.getByText(`docker pull ${registry.host}/team/app@${index.indexDigest}`, { exact: true }).waitFor();
    await platforms.nth(1).click();
    await page.getByRole('tab', { name: /^Layers/ }).click();
    await page.getByText('2 layers').waitFor();
    await page.getByRole('tab', { name: 'Config' }).click();
    expect(await accessibilityViolations(page)).toEqual([]);
    await shot(page, 'tag-light.png');
    await page.getByRole('tab', { name: 'Manifest' }).click();
    await page.getByText('"application/vnd.oci.image.index.v1+json"').first().waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('deletes a tag after listing every tag that shares its digest', async () => {
    const page = await browser.newPage({ colorScheme: 'light', viewport: { width: 1280, height: 860 } });
    await signIn(page);
    await page.getByRole('menuitem', { name: 'Repositories' }).click();
    await page.getByRole('cell', { name: 'team/app', exact: true }).click();
    await page.getByRole('cell', { name: '1.1.0', exact: true }).waitFor();
    await page
      .getByRole('row', { name: /1\.1\.0/ })
      .getByRole('checkbox')
      .check();
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(/2 more tag\(s\) you did not select share these digests/).waitFor();
    await expect(dialog.getByText('stable, latest').count()).resolves.toBe(1);
    await dialog.getByText(/garbage collection/).waitFor();
    await shot(page, 'repository-delete-light.png');
    await dialog.getByRole('button', { name: 'Delete 3 tag(s)' }).click();
    await page.getByText(/3 tag\(s\) deleted/).waitFor();
    await expect.poll(() => tagNames('team/app'), POLL).toEqual(['2.0.0', '1.0.0']);
    await expect.poll(() => page.locator('tbody td.column-name').allInnerTexts(), POLL).toEqual(['2.0.0', '1.0.0']);
    await page.close();
  }, 240_000);

  it('takes the dark screenshots', async () => {
    const page = await browser.newPage({ colorScheme: 'dark', viewport: { width: 1280, height: 860 } });
    await signIn(page);
    await shot(page, 'dashboard-dark.png');
    await page.getByRole('menuitem', { name: 'Repositories' }).click();
    await page.getByRole('cell', { name: 'team/app', exact: true }).click();
    await page.getByRole('cell', { name: '2.0.0', exact: true }).waitFor();
    await shot(page, 'repository-dark.png');
    await page.getByRole('menuitem', { name: 'Repositories' }).click();
    await page.getByRole('cell', { name: 'tools/base', exact: true }).waitFor();
    await shot(page, 'repositories-dark.png');
    await page.getByRole('cell', { name: 'team/app', exact: true }).click();
    await page.getByRole('cell', { name: '2.0.0', exact: true }).click();
    await page.getByRole('tablist', { name: 'Platforms' }).waitFor();
    await shot(page, 'tag-dark.png');
    await page.close();
  }, 240_000);
});
