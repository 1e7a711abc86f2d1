/**
 * The gateway as a Fastify app: buildGateway(config) connects its clients (Redis, the Kafka
 * producer and schema registry, Postgres), wires the routes, and closes the clients when the app
 * closes, after in-flight requests have been answered.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type onResponseHookHandler } from 'fastify';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { AdminGuard, UserAuthenticator } from './auth.ts';
import type { GatewayApp, GatewayDeps } from './deps.ts';
import type { GatewayConfig, TrustProxy } from './config.ts';
import { ApiError, sendError, toApiError } from './errors.ts';
import { Gate } from './gate.ts';
import { GrantService } from './grant/grant-service.ts';
import { grantPoolConfig } from './grant/grant-store.ts';
import { Ledger } from './ledger.ts';
import { AnswerMeter, createMetrics } from './metrics.ts';
import { connectRedis } from '../platform/redis-connection.ts';
import { Listeners } from './listeners.ts';
import { PendingReleases } from './pending-releases.ts';
import { ClientRateLimits } from './rate-limit.ts';
import { RequestProducer } from './request-producer.ts';
import { adminRoutes } from './routes/admin.ts';
import { healthRoutes, metricsRoutes, UNMEASURED_ROUTES } from './routes/health.ts';
import { issueRoutes } from './routes/issue.ts';
import { statusRoutes } from './routes/status.ts';
import { WatermarkCache } from './watermarks.ts';
import { GateStore } from './reconcile/gate-store.ts';
import { RECONCILER_LOCK_KEY, RedisLock } from './reconcile/lock.ts';
import { PASS_RESULTS, PeriodicReconciler } from './reconcile/periodic.ts';
import { Reconciler } from './reconcile/reconciler.ts';
import { Serde } from '../schemas/serde.ts';

/** The longest id is 16 digits; a longer segment is refused before routing (400 INVALID_PATH). */
const MAX_PARAM_LENGTH = 64;

export interface BuildOptions {
  /** Defaults to a pino logger at config.logLevel on stdout. */
  logger?: Logger;
}

export async function buildGateway(config: GatewayConfig, options: BuildOptions = {}): Promise<GatewayApp> {
  const log = options.logger ?? pino({ level: config.logLevel, base: { service: 'coupon-gateway' } });
  const ledger = new Ledger(config.endpoints.databaseUrl, config.dbPoolSize, log);
  const [connectedRedis, startedProducer] = await Promise.allSettled([
    connectRedis(config.redis, config.redisCommandTimeoutMs, log),
    RequestProducer.start(
      {
        kafka: config.kafka,
        registry: config.registry,
        lingerMs: config.kafkaLingerMs,
        messageTimeoutMs: config.kafkaMessageTimeoutMs,
      },
      log,
    ),
  ]);
  if (connectedRedis.status === 'rejected' || startedProducer.status === 'rejected') {
    // Whichever client did connect must not keep the process alive.
    if (connectedRedis.status === 'fulfilled') connectedRedis.value.disconnect();
    if (startedProducer.status === 'fulfilled') await startedProducer.value.close(0);
    await ledger.close();
    throw connectedRedis.status === 'rejected' ? connectedRedis.reason : (startedProducer as PromiseRejectedResult).reason;
  }
  const redis = connectedRedis.value;
  const producer = startedProducer.value;
  const metrics = createMetrics();
  const recordStage = metrics.stage.labels('record');
  const gate = new Gate(redis, {
    confirmed: (seconds) => recordStage.observe(seconds),
    failed: (err, couponId, eventIds) => log.warn({ err, couponId, eventIds }, 'could not confirm accepted requests at the gate; the reconciler settles their holds'),
  });
  const watermarks = new WatermarkCache((partition) => gate.watermark(partition), log);
  const deps: GatewayDeps = {
    config,
    gate,
    producer,
    ledger,
    watermarks,
    releases: new PendingReleases((couponId, userId, eventId) => gate.release(couponId, userId, eventId), { giveUpAfterMs: config.lostReserveReleaseMs, maxPending: 10_000 }, log),
    metrics,
    rateLimits: new ClientRateLimits(config.rateLimits, metrics),
    adminGuard: new AdminGuard(config.adminToken),
    grants: new GrantService({
      gate,
      db: new pg.Pool({ ...grantPoolConfig(config.endpoints.databaseUrl, 'coupon-gateway-grants'), connectionTimeoutMillis: 2000 }),
      metrics: metrics.grants,
      log,
      kafka: config.kafka,
      registry: config.registry,
      maxBytes: config.grantMaxBytes,
    }),
    userAuth: UserAuthenticator.fromConfig(config.userAuth, config.retryAfterSeconds),
  };
  const app = createApp(deps, log);
  watermarks.start(config.watermarkRefreshMs);
  deps.rateLimits.start();
  const reconciler = new Reconciler({
    gate,
    store: new GateStore(redis),
    db: ledger.pool,
    kafka: config.kafka,
    serde: new Serde(config.registry),
    groupId: config.processorGroupId,
    settleMs: config.holdSettleMs,
    log,
  });
  const settler = new PeriodicReconciler(
    reconciler,
    new RedisLock(redis, RECONCILER_LOCK_KEY),
    {
      settled: (settled) => {
        deps.metrics.holdsSettled.labels('confirmed').inc(settled.confirmed);
        deps.metrics.holdsSettled.labels('released').inc(settled.released);
      },
      rebuilt: (rebuilt) => {
        // 'not-needed': another gateway or the CLI reopened it meanwhile.
        if (rebuilt.fix === 'applied' || rebuilt.fix === 'busy') deps.metrics.gatesRebuilt.labels(rebuilt.fix === 'applied' ? 'rebuilt' : 'busy').inc();
      },
      drift: (drift) => {
        for (const [couponId, units] of drift) deps.metrics.gateDrift.labels(String(couponId)).set(units);
      },
      pass: (result) => deps.metrics.reconcilePasses.labels(result).inc(),
    },
    log,
  );
  if (config.reconcileIntervalMs > 0) {
    // Every result's series from the start, at 0: a reconciler that never completes a pass is an increase of 0, not a missing series.
    for (const result of PASS_RESULTS) deps.metrics.reconcilePasses.labels(result).inc(0);
    settler.start(config.reconcileIntervalMs, config.driftCheckIntervalMs);
  }
  app.addHook('onClose', async () => {
    // Runs once in-flight requests are answered: deliver what is queued, then let go of the clients.
    await app.listeners.closeAdmin();
    watermarks.stop();
    deps.rateLimits.stop();
    deps.releases.stop();
    await settler.stop();
    await producer.close(config.shutdownTimeoutMs).catch((err: unknown) => log.error({ err }, 'flushing the producer failed'));
    // The last delivery reports' confirms go out before the connection's QUIT.
    gate.flushConfirms();
    await deps.grants.close().catch((err: unknown) => log.error({ err }, 'closing the grant producer failed'));
    await redis.quit().catch(() => redis.disconnect());
    await ledger.close();
  });
  try {
    await app.ready();
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}

function createApp(deps: GatewayDeps, log: Logger): GatewayApp {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Closing is handled below, with the API's error body.
    return503OnClosing: false,
    // The client address of rate limits: the proxies' X-Forwarded-For only from trusted proxies.
    trustProxy: trustProxyOption(deps.config.trustProxy),
    // Two log lines per request cost real CPU at 10k requests/s; errors are logged either way.
    logController: new LogController({ disableRequestLogging: !deps.config.logRequests }),
    // A child logger per request (to bind its id) costs more than the rest of its logging, which
    // happens only on failures; those name the request themselves (see the error handler).
    childLoggerFactory: deps.config.logRequests ? undefined : (logger) => logger,
    bodyLimit: deps.config.bodyLimitBytes,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Routing errors (over-long or undecodable path segments) get the same error body as the rest.
    frameworkErrors: (err, request, reply) => sendError(request, reply, toApiError(err)),
  });
  // Only JSON is accepted; without this, text/plain would reach the handlers as a string.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('outcome', '');
  app.decorateRequest('tokenUserId', null);

  app.setErrorHandler((err, request, reply) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) {
      const level = apiError.status === 503 || apiError.status === 504 ? 'warn' : 'error';
      request.log[level]({ err: apiError.cause ?? err, code: apiError.code, reqId: request.id, url: request.url }, apiError.message);
    }
    return sendError(request, reply, apiError);
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, new ApiError(404, 'NOT_FOUND', `no route for ${request.method} ${request.url}`)));

  // While closing, requests that still arrive on open keep-alive connections are turned away, and
  // every answer ends its connection: the server's close waits for all connections, idle ones too.
  let closing = false;
  const shuttingDown = new ApiError(503, 'SHUTTING_DOWN', 'this gateway instance is shutting down; retry on another one', { retryAfterSeconds: deps.config.retryAfterSeconds });
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (closing) sendError(request, reply, shuttingDown);
    else done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  meterAnswers(app, new AnswerMeter(deps.metrics));

  const listeners = new Listeners(app);
  app.decorate('listeners', listeners);
  app.addHook('preClose', (done) => {
    void listeners.closeAdmin();
    done();
  });

  // Both listeners: load balancers and orchestrators probe whichever port they know.
  healthRoutes(app, deps);

  const { rateLimits, userAuth: auth } = deps;
  void app.register(async (userApi) => {
    listeners.servedOnlyOn(userApi, 'public');
    // Before anything else is spent on the request, the token's verification included. A hook
    // costs every request something even when it has nothing to check: none when the limit is off.
    if (rateLimits.limitsAddresses) {
      userApi.addHook('onRequest', (request, reply, done) => {
        const refusal = rateLimits.checkAddress(request.ip, Date.now());
        if (refusal) sendError(request, reply, refusal);
        else done();
      });
    }
    if (auth) {
      userApi.addHook('onRequest', async (request) => {
        const userId = await auth.userIdOf(request.headers.authorization);
        const refusal = rateLimits.checkUser(userId, Date.now());
        if (refusal) throw refusal;
        request.tokenUserId = userId;
      });
    }
    issueRoutes(userApi, deps);
    statusRoutes(userApi, deps);
  });

  // Everything for operators, on the admin listener only: /metrics, and (behind the admin token)
  // the admin API. Admin routes are added in adminApi below and nowhere else.
  void app.register(async (operations) => {
    listeners.servedOnlyOn(operations, 'admin');
    metricsRoutes(operations, deps);
    void operations.register(async (adminApi) => {
      adminApi.addHook('onRequest', async (request) => deps.adminGuard.check(request.headers.authorization));
      adminRoutes(adminApi, deps);
    });
  });
  return app;
}

/** A hop count as the function Fastify's types take (it means: trust the nearest `hops` proxies). */
function trustProxyOption(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/**
 * Counts and times every answer (coupon_gateway_requests_total, ..._request_duration_seconds).
 * Matched routes get a hook of their own that knows its route template: reading it per request
 * (request.routeOptions) builds an object each time. Answers without a route count as unmatched.
 */
function meterAnswers(app: GatewayApp, answers: AnswerMeter): void {
  const code = (request: FastifyRequest, reply: FastifyReply): string => request.outcome || (reply.statusCode < 400 ? 'OK' : 'ERROR');
  app.addHook('onRoute', (route) => {
    if (UNMEASURED_ROUTES.has(route.url)) return;
    const hook: onResponseHookHandler = (request, reply, done) => {
      answers.record(route.url, code(request, reply), reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    route.onResponse = [...[route.onResponse ?? []].flat(), hook];
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) answers.record('unmatched', code(request, reply), reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
