/**
 * The e2e suites need `docker-registry` and `skopeo`. Without them a suite is skipped with a visible reason, or
 * fails when RA_E2E_REQUIRED=1 (as in CI), so a missing tool can never pass silently.
 */
import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';

const TOOLS = ['docker-registry', 'skopeo'];

export function missingTools(): string[] {
  return TOOLS.filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

export function describeE2E(name: string, body: () => void): void {
  const missing = missingTools();
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const reason = `${missing.join(' and ')} not installed (apt-get install docker-registry skopeo)`;
  if (process.env.RA_E2E_REQUIRED === '1') {
    describe(name, () => {
      it('has the real registry and skopeo', () => {
        throw new Error(`RA_E2E_REQUIRED=1 but ${reason}`);
      });
    });
    return;
  }
  console.warn(`skipping e2e suite "${name}": ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, body);
}
