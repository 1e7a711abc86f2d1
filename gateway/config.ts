/**
 * Gateway configuration: read from the environment once at start-up and validated, so a typo
 * stops the process with a message naming the variable instead of failing on the first request.
 */
import { z } from 'zod';
import { endpointsFromEnv, type Endpoints } from '../platform/endpoints.ts';
import { connectionsFromEnv } from '../platform/connections.ts';
import { int, logLevelVariable, parseEnv, processorGroupIdVariable, serviceConfigError } from '../platform/service-config.ts';
import type { KafkaConnection } from '../platform/kafka-config.ts';
import type { RegistryConnection } from '../platform/registry-config.ts';
import { redisClusterNodesVariable, redisTarget, type RedisTarget } from '../platform/redis-connection.ts';
import { isLoopbackHost } from './loopback.ts';
import type { RateLimit } from './token-buckets.ts';


interface TokenRules {
  issuer: string | undefined;
  audience: string | undefined;
}

/** Who the end user is: trusted from the body, or the `sub` of a verified JWT. */
export type UserAuthConfig = { kind: 'none' } | ({ kind: 'secret'; secret: string } & TokenRules) | ({ kind: 'jwks'; url: URL } & TokenRules);

/** Per-client rate limits of the public API, each undefined when off (see gateway/rate-limit.ts). */
export interface RateLimits {
  /** Per client address. */
  ip: RateLimit | undefined;
  /** Per authenticated user (end-user tokens only). */
  user: RateLimit | undefined;
  /** Clients remembered per limit (memory bound). */
  maxClients: number;
}

/** Fastify's trustProxy: off, the number of proxy hops, or the proxies' addresses/CIDRs. */
export type TrustProxy = false | number | string[];

export interface GatewayConfig {
  /** The public API's listener. */
  host: string;
  port: number;
  /** The admin API's, /metrics' (and the probes') listener. */
  adminHost: string;
  adminPort: number;
  endpoints: Endpoints;
  /** Brokers, security and librdkafka pass-through properties (platform/kafka-config.ts). */
  kafka: KafkaConnection;
  /** Registry URL, credentials and CA (platform/registry-config.ts). */
  registry: RegistryConnection;
  redis: RedisTarget;
  /** Undefined: the admin API refuses every request. */
  adminToken: string | undefined;
  userAuth: UserAuthConfig;
  rateLimits: RateLimits;
  trustProxy: TrustProxy;
  kafkaLingerMs: number;
  kafkaMessageTimeoutMs: number;
  bodyLimitBytes: number;
  /** The largest bulk grant upload accepted (bytes, before and after gzip inflation). */
  grantMaxBytes: number;
  retryAfterSeconds: number;
  redisCommandTimeoutMs: number;
  readyTimeoutMs: number;
  /** How often the processor's watermarks are re-read for the positions of 202 answers. */
  watermarkRefreshMs: number;
  shutdownTimeoutMs: number;
  dbPoolSize: number;
  /** A hold older than this is settled by evidence: no produce of it can still land (docs/gate.md). */
  holdSettleMs: number;
  /** How often this instance tries to run the reconciler (one instance at a time); 0 = never. */
  reconcileIntervalMs: number;
  /** How often the reconciler measures every live coupon's drift (coupon_gate_drift_units); 0 = never. */
  driftCheckIntervalMs: number;
  /** How long the release of a reserve whose reply was lost is retried in the background. */
  lostReserveReleaseMs: number;
  /** A PENDING status older than this is checked against the ledger by the status endpoint. */
  statusLedgerAfterMs: number;
  /** The processor's consumer group, whose committed offsets tell which requests are still pending. */
  processorGroupId: string;
  logLevel: string;
  logRequests: boolean;
}

const optionalText = z
  .string()
  .trim()
  .transform((s) => s || undefined)
  .optional();

/** Requests per second; fractions allowed (0.5 = one every two seconds); 0 = no limit. */
const rate = z.coerce.number().min(0).max(1_000_000);
const flag = z.enum(['true', 'false', '1', '0']).default('false');
const isSet = (value: 'true' | 'false' | '1' | '0'): boolean => value === 'true' || value === '1';

const trustProxy = z
  .string()
  .trim()
  .optional()
  .transform((s, ctx): TrustProxy => {
    if (!s || s === 'false') return false;
    if (/^\d+$/.test(s)) return Number(s);
    const addresses = s.split(',').map((a) => a.trim()).filter(Boolean);
    if (addresses.some((a) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(a))) ctx.addIssue({ code: 'custom', message: 'expected a number of proxy hops or comma-separated proxy addresses/CIDRs' });
    return addresses;
  });

const schema = z.object({
  GATEWAY_HOST: z.string().trim().min(1).default('127.0.0.1'),
  GATEWAY_PORT: int(0, 65_535).default(8080),
  GATEWAY_ADMIN_HOST: z.string().trim().min(1).default('127.0.0.1'),
  GATEWAY_ADMIN_PORT: int(0, 65_535).default(9465),
  GATEWAY_TRUST_BODY_USER_ID: flag,
  GATEWAY_TRUST_PROXY: trustProxy,
  GATEWAY_RATE_LIMIT_IP_PER_SECOND: rate.default(50),
  GATEWAY_RATE_LIMIT_IP_BURST: int(1, 1_000_000).default(100),
  GATEWAY_RATE_LIMIT_USER_PER_SECOND: rate.default(5),
  GATEWAY_RATE_LIMIT_USER_BURST: int(1, 1_000_000).default(20),
  GATEWAY_RATE_LIMIT_CLIENTS: int(1, 10_000_000).default(100_000),
  REDIS_CLUSTER_NODES: redisClusterNodesVariable,
  ADMIN_TOKEN: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  GATEWAY_JWT_SECRET: optionalText.pipe(z.string().min(32, 'must be at least 32 characters (HS256 key)').optional()),
  GATEWAY_JWKS_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  GATEWAY_JWT_ISSUER: optionalText,
  GATEWAY_JWT_AUDIENCE: optionalText,
  GATEWAY_KAFKA_LINGER_MS: int(0, 1000).default(2),
  GATEWAY_KAFKA_MESSAGE_TIMEOUT_MS: int(100, 300_000).default(5000),
  GATEWAY_BODY_LIMIT_BYTES: int(64, 1_048_576).default(1024),
  GATEWAY_GRANT_MAX_BYTES: int(1024, 4_294_967_296).default(268_435_456),
  GATEWAY_RETRY_AFTER_SECONDS: int(1, 3600).default(1),
  GATEWAY_REDIS_COMMAND_TIMEOUT_MS: int(50, 60_000).default(1000),
  GATEWAY_READY_TIMEOUT_MS: int(100, 60_000).default(2000),
  GATEWAY_WATERMARK_REFRESH_MS: int(10, 60_000).default(100),
  GATEWAY_SHUTDOWN_TIMEOUT_MS: int(1000, 600_000).default(15_000),
  GATEWAY_DB_POOL_SIZE: int(1, 100).default(10),
  GATEWAY_HOLD_SETTLE_MS: int(1000, 3_600_000).optional(),
  GATEWAY_RECONCILE_INTERVAL_MS: int(0, 3_600_000).default(10_000),
  GATEWAY_LOST_RESERVE_RELEASE_MS: int(0, 3_600_000).default(60_000),
  GATEWAY_DRIFT_CHECK_INTERVAL_MS: int(0, 86_400_000).default(60_000),
  GATEWAY_STATUS_LEDGER_AFTER_MS: int(0, 3_600_000).default(2000),
  PROCESSOR_GROUP_ID: processorGroupIdVariable,
  GATEWAY_LOG_REQUESTS: flag,
  LOG_LEVEL: logLevelVariable,
});

/** Twice the producer's delivery timeout plus a margin: by then no produce of the hold can still land. */
export const defaultHoldSettleMs = (messageTimeoutMs: number): number => 2 * messageTimeoutMs + 10_000;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = parseEnv(schema, env, 'gateway');
  if (e.GATEWAY_JWT_SECRET && e.GATEWAY_JWKS_URL) throw serviceConfigError('gateway', 'set GATEWAY_JWT_SECRET or GATEWAY_JWKS_URL, not both');
  // A hold settled while its produce could still land would be released although accepted.
  const minimumSettleMs = e.GATEWAY_KAFKA_MESSAGE_TIMEOUT_MS + e.GATEWAY_REDIS_COMMAND_TIMEOUT_MS;
  if (e.GATEWAY_HOLD_SETTLE_MS !== undefined && e.GATEWAY_HOLD_SETTLE_MS <= minimumSettleMs) {
    throw serviceConfigError('gateway', `GATEWAY_HOLD_SETTLE_MS must be larger than GATEWAY_KAFKA_MESSAGE_TIMEOUT_MS + GATEWAY_REDIS_COMMAND_TIMEOUT_MS (${minimumSettleMs})`);
  }
  if (e.GATEWAY_KAFKA_MESSAGE_TIMEOUT_MS <= e.GATEWAY_KAFKA_LINGER_MS) {
    throw serviceConfigError('gateway', 'GATEWAY_KAFKA_MESSAGE_TIMEOUT_MS must be larger than GATEWAY_KAFKA_LINGER_MS');
  }
  if (!e.GATEWAY_JWT_SECRET && !e.GATEWAY_JWKS_URL && !isLoopbackHost(e.GATEWAY_HOST) && !isSet(e.GATEWAY_TRUST_BODY_USER_ID)) {
    throw serviceConfigError(
      'gateway',
      `refusing to listen on ${e.GATEWAY_HOST} (not a loopback address) without end-user tokens: anybody could request coupons in any user's name. ` +
        'Set GATEWAY_JWT_SECRET or GATEWAY_JWKS_URL, or GATEWAY_TRUST_BODY_USER_ID=true if a service in front of the gateway authenticates users and sets userId',
    );
  }
  if (e.GATEWAY_ADMIN_PORT !== 0 && e.GATEWAY_ADMIN_PORT === e.GATEWAY_PORT) {
    throw serviceConfigError('gateway', `GATEWAY_ADMIN_PORT must differ from GATEWAY_PORT (${e.GATEWAY_PORT}): the admin API and /metrics have a listener of their own`);
  }
  const endpoints = endpointsFromEnv(env);
  const { kafka, registry } = connectionsFromEnv(env, 'gateway');
  const rules: TokenRules = { issuer: e.GATEWAY_JWT_ISSUER, audience: e.GATEWAY_JWT_AUDIENCE };
  let userAuth: UserAuthConfig = { kind: 'none' };
  if (e.GATEWAY_JWT_SECRET) userAuth = { kind: 'secret', secret: e.GATEWAY_JWT_SECRET, ...rules };
  else if (e.GATEWAY_JWKS_URL) userAuth = { kind: 'jwks', url: new URL(e.GATEWAY_JWKS_URL), ...rules };

  const limit = (perSecond: number, burst: number): RateLimit | undefined => (perSecond > 0 ? { perSecond, burst } : undefined);

  return {
    host: e.GATEWAY_HOST,
    port: e.GATEWAY_PORT,
    adminHost: e.GATEWAY_ADMIN_HOST,
    adminPort: e.GATEWAY_ADMIN_PORT,
    endpoints,
    kafka,
    registry,
    redis: redisTarget(e.REDIS_CLUSTER_NODES, endpoints.redisUrl),
    adminToken: e.ADMIN_TOKEN,
    userAuth,
    rateLimits: {
      ip: limit(e.GATEWAY_RATE_LIMIT_IP_PER_SECOND, e.GATEWAY_RATE_LIMIT_IP_BURST),
      user: limit(e.GATEWAY_RATE_LIMIT_USER_PER_SECOND, e.GATEWAY_RATE_LIMIT_USER_BURST),
      maxClients: e.GATEWAY_RATE_LIMIT_CLIENTS,
    },
    trustProxy: e.GATEWAY_TRUST_PROXY,
    kafkaLingerMs: e.GATEWAY_KAFKA_LINGER_MS,
    kafkaMessageTimeoutMs: e.GATEWAY_KAFKA_MESSAGE_TIMEOUT_MS,
    bodyLimitBytes: e.GATEWAY_BODY_LIMIT_BYTES,
    grantMaxBytes: e.GATEWAY_GRANT_MAX_BYTES,
    retryAfterSeconds: e.GATEWAY_RETRY_AFTER_SECONDS,
    redisCommandTimeoutMs: e.GATEWAY_REDIS_COMMAND_TIMEOUT_MS,
    readyTimeoutMs: e.GATEWAY_READY_TIMEOUT_MS,
    watermarkRefreshMs: e.GATEWAY_WATERMARK_REFRESH_MS,
    shutdownTimeoutMs: e.GATEWAY_SHUTDOWN_TIMEOUT_MS,
    dbPoolSize: e.GATEWAY_DB_POOL_SIZE,
    holdSettleMs: e.GATEWAY_HOLD_SETTLE_MS ?? defaultHoldSettleMs(e.GATEWAY_KAFKA_MESSAGE_TIMEOUT_MS),
    reconcileIntervalMs: e.GATEWAY_RECONCILE_INTERVAL_MS,
    lostReserveReleaseMs: e.GATEWAY_LOST_RESERVE_RELEASE_MS,
    driftCheckIntervalMs: e.GATEWAY_DRIFT_CHECK_INTERVAL_MS,
    statusLedgerAfterMs: e.GATEWAY_STATUS_LEDGER_AFTER_MS,
    processorGroupId: e.PROCESSOR_GROUP_ID,
    logLevel: e.LOG_LEVEL,
    logRequests: isSet(e.GATEWAY_LOG_REQUESTS),
  };
}

