/** Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the store answers). */
import type { FastifyInstance } from 'fastify';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    try {
      await app.services.store.revision();
      return { status: 'ready' };
    } catch (error) {
      request.log.error({ err: error }, 'store not reachable');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
