/**
 * Operational endpoints: `/healthz` (the process answers), `/readyz` (Redis, the Kafka producer
 * and the schema registry are reachable; 503 naming what is not) and `/metrics` (Prometheus).
 */
import type { GatewayApp, GatewayDeps } from '../app.ts';
import type { ErrorBody } from '../errors.ts';

/** Routes left out of the request metrics: scrapes and probes would drown the API's figures. */
export const UNMEASURED_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

export type Dependency = 'redis' | 'kafka' | 'registry';

/** 'ok' or why the dependency is not reachable. */
export type Readiness = Record<Dependency, string>;

/** Ready when every dependency answered; otherwise the error body names the ones that did not. */
export function readinessAnswer(checks: Readiness): { ready: true; checks: Readiness } | (ErrorBody & { checks: Readiness }) {
  const failing = (Object.keys(checks) as Dependency[]).filter((d) => checks[d] !== 'ok');
  if (failing.length === 0) return { ready: true, checks };
  return { error: { code: 'NOT_READY', message: `not ready: ${failing.map((d) => `${d} (${checks[d]})`).join(', ')}` }, checks };
}

/** Asks Redis, the Kafka producer and the registry; each answers 'ok' or why it is not reachable. */
async function checkDependencies({ gate, producer, config }: GatewayDeps): Promise<Readiness> {
  const outcome = (check: Promise<void>): Promise<string> =>
    check.then(
      () => 'ok',
      (err: unknown) => (err instanceof Error ? err.message : String(err)) || 'unreachable',
    );
  const [redis, kafka, registry] = await Promise.all([
    outcome(gate.ping()),
    outcome(producer.checkKafka(config.readyTimeoutMs)),
    outcome(producer.checkRegistry(config.readyTimeoutMs)),
  ]);
  return { redis, kafka, registry };
}

export function healthRoutes(app: GatewayApp, deps: GatewayDeps): void {
  const { metrics } = deps;

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const answer = readinessAnswer(await checkDependencies(deps));
    return reply.code('ready' in answer ? 200 : 503).send(answer);
  });

  app.get('/metrics', async (_request, reply) => {
    // Checked at scrape time, so the series says how the dependency is now, not at the last probe.
    const checks = await checkDependencies(deps);
    for (const dependency of Object.keys(checks) as Dependency[]) metrics.dependencyUp.set({ dependency }, checks[dependency] === 'ok' ? 1 : 0);
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
