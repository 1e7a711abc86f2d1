/**
 * Operational endpoints: the probes `/healthz` (the process answers) and `/readyz` (Redis, the
 * Kafka producer and the schema registry are reachable; 503 naming what is not, by name and a
 * stable code only), served on both listeners, and `/metrics` (Prometheus), on the admin listener.
 */
import type { GatewayApp, GatewayDeps } from '../deps.ts';
import type { ErrorBody } from '../errors.ts';

/** Routes left out of the request metrics: scrapes and probes would drown the API's figures. */
export const UNMEASURED_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

export type Dependency = 'redis' | 'kafka' | 'registry';

/**
 * A dependency's state as /readyz tells it: a stable code, never the error's text (it can carry
 * addresses, user names or library internals; the gateway logs it instead).
 */
export type CheckResult = 'ok' | 'unavailable';

export type Readiness = Record<Dependency, CheckResult>;

/** Ready when every dependency answered; otherwise the error body names the ones that did not. */
export function readinessAnswer(checks: Readiness): { ready: true; checks: Readiness } | (ErrorBody & { checks: Readiness }) {
  const failing = (Object.keys(checks) as Dependency[]).filter((d) => checks[d] !== 'ok');
  if (failing.length === 0) return { ready: true, checks };
  return { error: { code: 'NOT_READY', message: `not ready: ${failing.map((d) => `${d} ${checks[d]}`).join(', ')}` }, checks };
}

export interface CheckRun {
  checks: Readiness;
  /** Why each failing dependency failed, for the log. */
  failures: Partial<Record<Dependency, unknown>>;
}

/** Runs every dependency's check at once; each ends 'ok' or 'unavailable' (its error kept apart). */
export async function runChecks(checks: Record<Dependency, () => Promise<void>>): Promise<CheckRun> {
  const run: CheckRun = { checks: { redis: 'ok', kafka: 'ok', registry: 'ok' }, failures: {} };
  await Promise.all(
    (Object.keys(checks) as Dependency[]).map((d) =>
      checks[d]().catch((err: unknown) => {
        run.checks[d] = 'unavailable';
        run.failures[d] = err;
      }),
    ),
  );
  return run;
}

/** Asks Redis, the Kafka producer and the registry. */
function checkDependencies({ gate, producer, config }: GatewayDeps): Promise<CheckRun> {
  return runChecks({
    redis: () => gate.ping(),
    kafka: () => producer.checkKafka(config.readyTimeoutMs),
    registry: () => producer.checkRegistry(config.readyTimeoutMs),
  });
}

export function healthRoutes(app: GatewayApp, deps: GatewayDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    const { checks, failures } = await checkDependencies(deps);
    for (const [dependency, err] of Object.entries(failures)) request.log.warn({ dependency, err }, 'readiness check failed');
    const answer = readinessAnswer(checks);
    return reply.code('ready' in answer ? 200 : 503).send(answer);
  });
}

export function metricsRoutes(app: GatewayApp, deps: GatewayDeps): void {
  const { metrics } = deps;
  app.get('/metrics', async (_request, reply) => {
    // Checked at scrape time, so the series says how the dependency is now, not at the last probe.
    const { checks } = await checkDependencies(deps);
    for (const dependency of Object.keys(checks) as Dependency[]) metrics.dependencyUp.set({ dependency }, checks[dependency] === 'ok' ? 1 : 0);
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
