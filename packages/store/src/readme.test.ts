import { runReadmeExample } from '@registry-admin/test-support';
import { expect, it } from 'vitest';

it("the README's example prints what the README says", async () => {
  const run = await runReadmeExample(
    new URL('../README.md', import.meta.url),
    { '@registry-admin/store': new URL('./index.ts', import.meta.url) },
    (file) => import(file),
  );
  expect(run.printed).toBe(run.expected);
});
