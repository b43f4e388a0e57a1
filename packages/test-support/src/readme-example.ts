/**
 * README examples that are run: the first ```ts block after a README's `## Example` heading is written to a temporary
 * module (with the package's own name pointed at its sources), imported, and what it prints is returned with the
 * ```text block that follows it in the README, for the test to compare.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ReadmeExampleRun {
  /** What the example printed with console.log, one line per call. */
  printed: string;
  /** The README's ```text block after the example. */
  expected: string;
}

function exampleBlocks(readme: string): { code: string; expected: string } {
  const section = readme.split(/^## Example\s*$/m)[1];
  if (section === undefined) throw new Error('the README has no "## Example" section');
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  const expected = /```text\n([\s\S]*?)```/.exec(section)?.[1];
  if (code === undefined || expected === undefined) {
    throw new Error('the README\'s "## Example" needs a ```ts block followed by a ```text block of its output');
  }
  return { code, expected: expected.trimEnd() };
}

/**
 * @example
 * const run = await runReadmeExample(new URL('../README.md', import.meta.url),
 *   { '@registry-admin/acl': new URL('./index.ts', import.meta.url) }, (file) => import(file));
 * expect(run.printed).toBe(run.expected);
 */
export async function runReadmeExample(
  readme: URL,
  modules: Record<string, URL>,
  importModule: (file: string) => Promise<unknown>,
): Promise<ReadmeExampleRun> {
  const { code, expected } = exampleBlocks(await readFile(readme, 'utf8'));
  let source = code;
  for (const [name, url] of Object.entries(modules)) {
    source = source.replaceAll(`from '${name}'`, `from ${JSON.stringify(fileURLToPath(url))}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'ra-readme-'));
  const file = join(dir, 'example.ts');
  await writeFile(file, source);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...values: unknown[]) => {
    lines.push(values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join(' '));
  };
  try {
    await importModule(file);
  } finally {
    console.log = log;
    await rm(dir, { recursive: true, force: true });
  }
  return { printed: lines.join('\n'), expected };
}
