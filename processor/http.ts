/** The processor's own small HTTP server: Prometheus metrics and liveness. */
import Fastify, { type FastifyInstance } from 'fastify';
import type { ProcessorMetrics } from './metrics.ts';

export function buildHttp(metrics: ProcessorMetrics, isHealthy: () => boolean): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) => {
    metrics.healthy.set(isHealthy() ? 1 : 0);
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/healthz', async (_req, reply) => {
    const ok = isHealthy();
    reply.code(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'failed' };
  });
  return app;
}
