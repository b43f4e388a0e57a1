/**
 * Debian's Chromium driven by playwright-core (no browser is ever downloaded), for the web UI's end-to-end tests.
 * Without Chromium or without a built UI, a suite is skipped with the reason, or fails when RA_E2E_REQUIRED=1.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { describe, it } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const WEB_DIST = resolve(import.meta.dirname, '../../../../web/dist');
/** Where the tests leave their screenshots; the README shows two of them. */
export const SCREENSHOTS = resolve(import.meta.dirname, '../../../../web/screenshots');

function missing(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not installed (apt-get install chromium)`;
  if (!existsSync(resolve(WEB_DIST, 'index.html'))) {
    return `the web UI is not built (pnpm --filter @registry-admin/web build)`;
  }
  return undefined;
}

export function describeBrowser(name: string, body: () => void): void {
  const reason = missing();
  if (!reason) {
    describe(name, body);
    return;
  }
  if (process.env.RA_E2E_REQUIRED === '1') {
    describe(name, () => {
      it('has Chromium and the built UI', () => {
        throw new Error(`RA_E2E_REQUIRED=1 but ${reason}`);
      });
    });
    return;
  }
  console.warn(`skipping browser suite "${name}": ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, body);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
