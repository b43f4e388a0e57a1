/**
 * Liveness (`/healthz`: the process answers, nothing else is asked) and readiness (`/readyz`: a list of named checks).
 * A required check that fails makes `/readyz` 503 (take this replica out of the balancer); the registry check is
 * reported but not required, since tokens, sign-in and the UI work while the registry is down, and a balancer that
 * dropped every replica then would only add an outage of its own.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../runtime/services';

export interface ReadinessCheck {
  name: string;
  /** Whether failing it makes the replica unready (503). */
  required: boolean;
  /** Resolves when healthy; rejects with the reason. */
  run(): Promise<void>;
}

/** How long a registry probe's answer is reused, and how long one may take. */
const REGISTRY_PROBE_TTL_MS = 5000;
const REGISTRY_PROBE_TIMEOUT_MS = 3000;

/** Probes the registry at most once per TTL, one probe at a time, each bounded in time. */
function registryCheck(services: Services): ReadinessCheck | undefined {
  const registry = services.registry;
  if (!registry) return undefined;
  let last: { at: number; result: Promise<void> } | undefined;
  return {
    name: 'registry',
    required: false,
    run() {
      if (last && Date.now() - last.at < REGISTRY_PROBE_TTL_MS) return last.result;
      let timer: NodeJS.Timeout | undefined;
      const result = Promise.race([
        registry.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer within 3 s')), REGISTRY_PROBE_TIMEOUT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      // A failure is an answer to report, not an unhandled rejection while it is cached.
      result.catch(() => {});
      last = { at: Date.now(), result };
      return result;
    },
  };
}

export function readinessChecks(services: Services): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [
    { name: 'store', required: true, run: async () => void (await services.store.revision()) },
  ];
  const registry = registryCheck(services);
  if (registry) checks.push(registry);
  return checks;
}

const checkSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  required: z.boolean(),
  reason: z.string().optional(),
});
const healthSchema = { security: [], response: { 200: z.object({ status: z.literal('ok') }) } };
const readySchema = {
  security: [],
  response: {
    200: z.object({ status: z.literal('ready'), checks: z.array(checkSchema) }),
    503: z.object({ status: z.literal('unavailable'), checks: z.array(checkSchema) }),
  },
};

export async function healthRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const checks = readinessChecks(app.services);
  app.get('/healthz', { schema: healthSchema }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', { schema: readySchema }, async (request, reply) => {
    const results = await Promise.all(
      checks.map(async (check) => {
        try {
          await check.run();
          return { name: check.name, ok: true, required: check.required };
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          request.log.warn({ check: check.name, reason }, `${check.name} not reachable`);
          return { name: check.name, ok: false, required: check.required, reason };
        }
      }),
    );
    if (results.some((result) => result.required && !result.ok)) {
      return reply.code(503).send({ status: 'unavailable' as const, checks: results });
    }
    return { status: 'ready' as const, checks: results };
  });
}
