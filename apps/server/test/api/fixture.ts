/** Builds the real app on a temporary SQLite store and certificate set, for `app.inject()` tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { type ConfigInput, configSchema } from '../../src/config/schema';
import { createServices, type Services } from '../../src/runtime/services';
import type { PasswordHasher } from '../../src/services/passwords';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  dir: string;
  close(): Promise<void>;
}

export async function createTestApp(
  overrides: ConfigInput = {},
  options: { logLines?: string[]; passwords?: PasswordHasher; webDir?: string; generatedAdminPassword?: boolean } = {},
): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'ra-api-'));
  const config = configSchema.parse({
    ...overrides,
    'data-dir': overrides['data-dir'] ?? dir,
    // A generated one is written to <data-dir>/initial-admin-password, as on a real first start.
    store: { ...overrides.store, ...(options.generatedAdminPassword ? {} : { 'admin-password': ADMIN_PASSWORD }) },
  });
  const services = await createServices(config, {
    announce: () => {},
    ...(options.passwords ? { passwords: options.passwords } : {}),
  });
  const lines = options.logLines;
  const app = await buildApp(services, {
    ...(lines ? { logger: { level: 'warn', stream: { write: (line: string) => void lines.push(line) } } } : {}),
    ...(options.webDir ? { webDir: options.webDir } : {}),
  });
  return {
    app,
    services,
    dir,
    async close() {
      await app.close();
      await services.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const basic = (login: string, password: string) =>
  `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

export const adminAuth = () => ({ authorization: basic('admin', ADMIN_PASSWORD) });

/** Creates a user through the API and returns its id. */
export async function createUser(
  app: FastifyInstance,
  login: string,
  password: string,
  extra: Record<string, unknown> = {},
): Promise<number> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: adminAuth(),
    payload: { login, password, ...extra },
  });
  if (response.statusCode !== 201) throw new Error(`create user ${login}: ${response.statusCode} ${response.body}`);
  return response.json().id;
}

export async function createRule(app: FastifyInstance, rule: Record<string, unknown>): Promise<number> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/access-rules',
    headers: adminAuth(),
    payload: rule,
  });
  if (response.statusCode !== 201) throw new Error(`create rule: ${response.statusCode} ${response.body}`);
  return response.json().id;
}

/** The decoded payload and header of a JWT, without verifying it. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')),
  };
}
