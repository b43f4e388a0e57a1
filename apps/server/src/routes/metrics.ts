/**
 * `GET /metrics`: Prometheus' text exposition format. Unauthenticated, as Prometheus scrapes: put it on a private
 * address with `--metrics.listen` when the main port is public.
 */
import type { FastifyInstance } from 'fastify';

export async function metricsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await app.services.metrics.render();
    return reply.type(contentType).send(body);
  });
}
