/**
 * axe-core run inside a page of the real browser. The page's CSP forbids injected script tags, so axe's source is
 * evaluated through the DevTools protocol instead, which the CSP does not govern; the app itself stays as strict.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { ImpactValue } from 'axe-core';
import type { Page } from 'playwright-core';

let source: Promise<string> | undefined;
const axeSource = () => {
  source ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return source;
};

export interface Violation {
  id: string;
  impact: ImpactValue | undefined;
  help: string;
  /** A few of the offending elements, as selectors with their HTML, for the failure message. */
  nodes: string[];
}

/**
 * The serious and critical violations of the page as it is now (axe's default rules: WCAG A and AA plus best
 * practices). `exclude` takes CSS selectors of parts that another suite checks.
 */
export async function seriousViolations(page: Page, options: { exclude?: string[] } = {}): Promise<Violation[]> {
  await page.evaluate(await axeSource());
  // A string, evaluated in the page: this package has no DOM types, and the function only runs there anyway.
  const violations = await page.evaluate<Violation[]>(`
    axe.run({ exclude: ${JSON.stringify((options.exclude ?? []).map((selector) => [selector]))} }, { resultTypes: ['violations'] }).then((results) =>
      results.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact ?? undefined,
        help: violation.help,
        nodes: violation.nodes.slice(0, 3).map((node) => node.target.join(' ') + ': ' + node.html.slice(0, 160)),
      })),
    )
  `);
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}
