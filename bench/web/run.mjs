// Web UI latency on a large index: the time from navigation to the first rendered rows of the repositories list, of
// the largest repository's tags page and of a cross-repository tag search, in headless Chromium (Debian's, driven by
// playwright-core), each next to the time of the same API call alone, measured in the same run. See README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../packages/store/dist/index.js';
import { syntheticTag } from '../lib/index-fill.mjs';
import { startListening, stop, stopAll } from '../lib/processes.mjs';
import { listPath, serveArgs } from '../lib/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const cli = join(root, 'apps/server/dist/cli.js');
const { chromium } = createRequire(join(root, 'apps/server/package.json'))('playwright-core');

const REPOS = Number(process.env.BENCH_REPOS ?? 2000);
const TAGS = Number(process.env.BENCH_TAGS ?? 100_000);
const BIG_TAGS = Number(process.env.BENCH_BIG_TAGS ?? 5000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const BIG = 'big/app';
const ADMIN_PASSWORD = 'bench-admin-password';

const log = (message) => console.error(`[bench:web] ${message}`);

/**
 * Fills the index straight through the store's own write path: `big/app` with BIG_TAGS tags, the rest of the TAGS
 * spread over the other REPOS - 1 repositories.
 */
async function fillIndex(database) {
  const store = await openStore({ type: 'sqlite', path: database });
  try {
    const names = [BIG, ...Array.from({ length: REPOS - 1 }, (_, r) => `team${r % 40}/service-${r}`)];
    const ids = await store.index.ensureRepositories(names);
    const rest = TAGS - BIG_TAGS;
    const countOf = (r) =>
      r === 0 ? BIG_TAGS : Math.floor((r * rest) / (REPOS - 1)) - Math.floor(((r - 1) * rest) / (REPOS - 1));
    let batch = [];
    let batchTags = 0;
    const flush = async () => {
      if (batch.length) await store.index.applyChanges(batch);
      batch = [];
      batchTags = 0;
    };
    for (let r = 0; r < names.length; r++) {
      const name = names[r];
      const manifests = [];
      const set = [];
      const count = countOf(r);
      for (let t = 0; t < count; t++) {
        const tag = t === count - 1 ? 'latest' : `${Math.floor(t / 100)}.${Math.floor(t / 10) % 10}.${t % 10}`;
        const size = 5_000 + ((r * 7 + t) % 10_000);
        const pushedAt = new Date(Date.UTC(2026, 0, 1) + (r * 50 + t) * 60_000).toISOString();
        const made = syntheticTag({ key: `${name}:${t}`, tag, size, pushedAt });
        manifests.push(made.manifest);
        set.push(made.tag);
      }
      batch.push({ repositoryId: ids.get(name), set, manifests });
      batchTags += count;
      if (batchTags >= 5000) await flush();
    }
    await flush();
    const stats = await store.index.stats();
    return { ...stats, bigId: ids.get(BIG) };
  } finally {
    await store.close();
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const ROW_SELECTORS = ['tbody td.column-name', 'tbody td.column-repository', 'button[type="submit"]'];

/**
 * Runs in the page before its own scripts: notes, for each selector, when a matching element first entered the DOM and
 * when the frame that shows it was produced (the next animation frame, then a task), in ms since navigation start.
 * Polling from outside (Playwright's waitFor backs off to 500 ms between checks) would round the time up by as much.
 */
function watchFirstRows(selectors) {
  const seen = {};
  Object.defineProperty(window, '__firstSeen', { value: seen });
  const check = () => {
    for (const selector of selectors) {
      if (seen[selector] || !document.querySelector(selector)) continue;
      const inDom = performance.now();
      seen[selector] = { inDom };
      requestAnimationFrame(() => setTimeout(() => (seen[selector].shown = performance.now()), 0));
    }
    if (selectors.every((selector) => seen[selector])) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true });
}

/** Loads `url` in `page` (from about:blank) and answers when `selector` was first shown, in ms since navigation start. */
async function timeToShown(page, url, selector) {
  await page.goto('about:blank');
  await page.goto(url);
  const handle = await page.waitForFunction((s) => window.__firstSeen?.[s]?.shown, selector, {
    polling: 'raf',
    timeout: 60_000,
  });
  return handle.jsonValue();
}

const dataDir = mkdtempSync(join(tmpdir(), 'ra-bench-web-'));
let server;
let browser;
try {
  const database = join(dataDir, 'registry-admin.db');
  const started = performance.now();
  const filled = await fillIndex(database);
  log(
    `index filled: ${filled.repositories} repositories, ${filled.tags} tags in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  server = await startListening(
    [
      cli,
      ...serveArgs({
        dataDir,
        adminPassword: ADMIN_PASSWORD,
        extra: ['--store.embed.path', database],
      }),
    ],
    'registry-admin',
  );
  const base = server.url;

  browser = await chromium.launch({
    executablePath: process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.addInitScript(watchFirstRows, ROW_SELECTORS);
  await page.goto(`${base}/login`);
  await page.locator('input[name="username"]').fill('admin');
  await page.locator('input[name="password"]').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/login'));
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');

  const search = 'service-123';
  const cases = [
    {
      label: 'repositories list (by name, page 1)',
      page: '/repositories',
      row: 'tbody td.column-name',
      api: listPath('/api/v1/repositories', { sort: ['name', 'ASC'], range: [0, 24] }),
    },
    {
      label: `tags of ${BIG} (${BIG_TAGS} tags, by version)`,
      page: `/repositories/${filled.bigId}/show`,
      row: 'tbody td.column-name',
      api: listPath('/api/v1/tags', {
        filter: { repositoryId: filled.bigId },
        sort: ['version', 'DESC'],
        range: [0, 24],
      }),
    },
    {
      label: `tag search "${search}" across repositories`,
      page: `/tags?${new URLSearchParams({ filter: JSON.stringify({ q: search }) })}`,
      row: 'tbody td.column-repository',
      api: listPath('/api/v1/tags', { filter: { q: search }, sort: ['pushedAt', 'DESC'], range: [0, 24] }),
    },
    {
      label: 'tag search "service-1" (half the tags, total estimated)',
      page: `/tags?${new URLSearchParams({ filter: JSON.stringify({ q: 'service-1' }) })}`,
      row: 'tbody td.column-repository',
      api: listPath('/api/v1/tags', { filter: { q: 'service-1' }, sort: ['pushedAt', 'DESC'], range: [0, 24] }),
      // Above 2,000 matches the server samples the total; the pagination must say so.
      shows: /of about [\d,]+/,
    },
  ];

  const results = [];
  // Baseline: the app's own start, signed out, to its login form (no list at all), on the same cached assets.
  {
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const blank = await fresh.newPage();
    await blank.addInitScript(watchFirstRows, ROW_SELECTORS);
    const times = [];
    for (let run = 0; run <= RUNS; run++) {
      const shownMs = await timeToShown(blank, `${base}/login`, 'button[type="submit"]');
      if (run > 0) times.push(shownMs);
    }
    await fresh.close();
    results.push({ label: 'baseline: the app started, login form shown', apiMs: 0, pageMs: median(times), rows: 0 });
  }
  for (const entry of cases) {
    const apiTimes = [];
    const pageTimes = [];
    let rows = 0;
    for (let run = 0; run <= RUNS; run++) {
      const t0 = performance.now();
      const response = await fetch(`${base}${entry.api}`, { headers: { cookie } });
      const body = await response.json();
      const apiMs = performance.now() - t0;
      if (response.status !== 200 || !Array.isArray(body) || body.length === 0) {
        throw new Error(`${entry.api}: ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
      }
      // A fresh load of the page each time (the browser's cache keeps the hashed assets, as for a returning user).
      const pageMs = await timeToShown(page, `${base}${entry.page}`, entry.row);
      rows = await page.locator(entry.row).count();
      if (entry.shows) {
        const text = await page.locator('.MuiTablePagination-displayedRows').first().textContent({ timeout: 10_000 });
        if (!entry.shows.test(text ?? '')) throw new Error(`${entry.label}: the pagination reads "${text}"`);
      }
      // The first run warms the server's and the browser's caches; it is not counted.
      if (run > 0) {
        apiTimes.push(apiMs);
        pageTimes.push(pageMs);
      }
    }
    results.push({ label: entry.label, apiMs: median(apiTimes), pageMs: median(pageTimes), rows });
  }

  console.log(
    `\nweb UI on an index of ${filled.tags} tags in ${filled.repositories} repositories (${BIG}: ${BIG_TAGS} tags); median of ${RUNS} runs after one warm-up\n`,
  );
  console.log(`${'view'.padEnd(60)}${'API call alone'.padStart(16)}${'first rows in Chromium'.padStart(26)}`);
  for (const row of results) {
    console.log(
      `${row.label.padEnd(60)}${`${row.apiMs.toFixed(0)} ms`.padStart(16)}${`${row.pageMs.toFixed(0)} ms`.padStart(26)}   (${row.rows} rows)`,
    );
  }
  const slow = results.filter((row) => row.rows > 0 && row.pageMs >= 1000);
  console.log(
    slow.length ? `\nover the 1 s target: ${slow.map((row) => row.label).join('; ')}` : '\nall under the 1 s target',
  );
  await mkdir(join(here, 'results'), { recursive: true });
  await writeFile(
    join(here, 'results', 'latest.json'),
    `${JSON.stringify({ at: new Date().toISOString(), tags: filled.tags, repositories: filled.repositories, results }, null, 2)}\n`,
  );
} finally {
  await browser?.close();
  if (server) await stop(server);
  stopAll();
  rmSync(dataDir, { recursive: true, force: true });
}
