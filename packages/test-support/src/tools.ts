/**
 * The e2e suites need `docker-registry` and `skopeo` (and some a further tool, such as `buildah`). Without them a
 * suite is skipped with a visible reason, or fails when RA_E2E_REQUIRED=1 (as in CI), so a missing tool can never
 * pass silently.
 */
import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';

const TOOLS = ['docker-registry', 'skopeo'];

/** The tools of `TOOLS` and of `extra` that this machine lacks (each is also its Debian package's name). */
export function missingTools(extra: string[] = []): string[] {
  return [...TOOLS, ...extra].filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

/** `options.tools`: what the suite needs besides the registry and skopeo. */
export function describeE2E(name: string, body: () => void, options: { tools?: string[] } = {}): void {
  const missing = missingTools(options.tools);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const reason = `${missing.join(' and ')} not installed (apt-get install ${[...TOOLS, ...(options.tools ?? [])].join(' ')})`;
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
