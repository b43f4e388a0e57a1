/**
 * The e2e suites need `docker-registry` and `skopeo` (and some suites more, e.g. `fail2ban-regex`). Without them a
 * suite is skipped with a visible reason, or fails when RA_E2E_REQUIRED=1 (as in CI), so a missing tool can never
 * pass silently.
 */
import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';

const TOOLS = ['docker-registry', 'skopeo'];
/** The Debian package of each tool a suite may ask for. */
const PACKAGES: Record<string, string> = {
  'docker-registry': 'docker-registry',
  skopeo: 'skopeo',
  'fail2ban-regex': 'fail2ban',
  'pebble-challtestsrv': 'pebble',
};

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

/** `options.tools`: what the suite needs besides the registry and skopeo. */
export function describeE2E(name: string, body: () => void, options: { tools?: readonly string[] } = {}): void {
  const missing = missingTools([...TOOLS, ...(options.tools ?? [])]);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const packages = missing.map((tool) => PACKAGES[tool] ?? tool);
  const reason = `${missing.join(' and ')} not installed (apt-get install ${packages.join(' ')})`;
  if (process.env.RA_E2E_REQUIRED === '1') {
    describe(name, () => {
      it(`has ${missing.join(' and ')}`, () => {
        throw new Error(`RA_E2E_REQUIRED=1 but ${reason}`);
      });
    });
    return;
  }
  console.warn(`skipping e2e suite "${name}": ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, body);
}
