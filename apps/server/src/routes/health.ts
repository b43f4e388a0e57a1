/** Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the store answers). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

const healthSchema = { security: [], response: { 200: z.object({ status: z.literal('ok') }) } };
const readySchema = {
  security: [],
  response: { 200: z.object({ status: z.literal('ready') }), 503: z.object({ status: z.literal('unavailable') }) },
};

export async function healthRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.get('/healthz', { schema: healthSchema }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', { schema: readySchema }, async (request, reply) => {
    try {
      await app.services.store.revision();
      return { status: 'ready' as const };
    } catch (error) {
      request.log.error({ err: error }, 'store not reachable');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
