/**
 * The e2e suites need `docker-registry` and `skopeo` (and some a further tool, such as `buildah`). Without them a
 * suite is skipped with a visible reason, or fails when RA_E2E_REQUIRED=1 (as in CI), so a missing tool can never
 * pass silently.
 */
import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';

const TOOLS = ['docker-registry', 'skopeo'];

/** The commands of `tools` (by default the registry and skopeo) that are not on the PATH. */
export function missingTools(tools: readonly string[] = TOOLS): string[] {
  return tools.filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * A suite that needs the real registry and skopeo, plus `options.tools` (Debian commands whose package has the same
 * name unless given as `command:package`).
 */
export function describeE2E(name: string, body: () => void, options: { tools?: readonly string[] } = {}): void {
  const wanted = [...TOOLS, ...(options.tools ?? [])];
  const missing = missingTools(wanted.map((tool) => tool.split(':')[0] as string));
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const packages = wanted
    .filter((tool) => missing.includes(tool.split(':')[0] as string))
    .map((tool) => tool.split(':')[1] ?? tool);
  const reason = `${missing.join(' and ')} not installed (apt-get install ${packages.join(' ')})`;
  if (process.env.RA_E2E_REQUIRED === '1') {
    describe(name, () => {
      it('has the tools it needs', () => {
        throw new Error(`RA_E2E_REQUIRED=1 but ${reason}`);
      });
    });
    return;
  }
  console.warn(`skipping e2e suite "${name}": ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, body);
}
