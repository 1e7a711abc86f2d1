/**
 * Shared pieces of the gateway integration tests: an in-process gateway on the real stack, coupon
 * creation through the admin API, and readers of the observable state (Redis gate keys, committed
 * request records).
 *
 * The tests use Redis logical database GATEWAY_TEST_REDIS_DB on the shared Redis: a processor
 * running against the same stack (db 0) then cannot change the statuses and watermarks a test sets
 * up, and the tests do not disturb its watermarks. Records go to the shared broker's requests topic;
 * every test works on coupons it has just created, so coupon ids never collide.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { pino } from 'pino';
import { expect } from 'vitest';
import type { CouponIssueRequested } from '../../schemas/contracts.ts';
import { endpointsFromEnv, ENV_NAMES } from '../../platform/endpoints.ts';
import { redisKeys, type RequestStatusFields } from '../../schemas/redis-keys.ts';
import { statusOf } from './statuses.ts';
import { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { buildGateway } from '../../gateway/app.ts';
import type { GatewayApp } from '../../gateway/deps.ts';
import { loadConfig, type GatewayConfig } from '../../gateway/config.ts';
import { readCommittedSince, topicEnds } from '../../ops/verify/read-committed.ts';
import { recordKey } from '../../schemas/record-key.ts';
import { kafkaConnectionFromEnv, type KafkaConnection } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';

export const GATEWAY_TEST_REDIS_DB = 9;
export const TEST_ADMIN_TOKEN = 'gateway-test-admin-token';
export const ADMIN_AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
export const JSON_HEADERS = { 'content-type': 'application/json' };

/** `url` (default: the stack's Redis) pointing at the gateway tests' logical database. */
export function testRedisUrl(url = endpointsFromEnv().redisUrl): string {
  const u = new URL(url);
  u.pathname = `/${GATEWAY_TEST_REDIS_DB}`;
  return u.toString();
}

/**
 * The gateway's environment in tests: only the stack's endpoints are taken from this process's
 * environment (a GATEWAY_* variable left in a shell must not change what a test checks), Redis is
 * the test database, the periodic reconciler and the rate limits are off, the admin listener takes
 * any free port, logs are errors only unless LOG_LEVEL is set.
 */
export function gatewayTestEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const endpoints = Object.fromEntries(Object.values(ENV_NAMES).flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
  // The periodic reconciler is off unless a test turns it on: other tests' gateways share the test
  // database and may use another broker, where its evidence would be wrong.
  return { ...endpoints, REDIS_URL: testRedisUrl(), ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOG_LEVEL: process.env.LOG_LEVEL ?? 'error', GATEWAY_RECONCILE_INTERVAL_MS: '0', ...NO_RATE_LIMITS, GATEWAY_ADMIN_PORT: '0', ...overrides };
}

/** Tests send many requests from one address (and user) on purpose. */
export const NO_RATE_LIMITS = { GATEWAY_RATE_LIMIT_IP_PER_SECOND: '0', GATEWAY_RATE_LIMIT_USER_PER_SECOND: '0' };

export interface TestGateway {
  app: GatewayApp;
  config: GatewayConfig;
}

export async function startGateway(overrides: NodeJS.ProcessEnv = {}): Promise<TestGateway> {
  const config = loadConfig(gatewayTestEnv(overrides));
  const app = await buildGateway(config, { logger: pino({ level: config.logLevel }) });
  return { app, config };
}

export interface CouponInput {
  totalQuantity: number;
  name?: string;
  startsAt?: string;
  endsAt?: string | null;
}

/** Creates a coupon through the admin API and returns its id. */
export async function createCoupon(app: GatewayApp, input: CouponInput): Promise<number> {
  const response = await app.inject({ method: 'POST', url: '/api/admin/coupons', headers: ADMIN_AUTH, payload: { name: 'gateway test', ...input } });
  expect(response.statusCode, response.body).toBe(201);
  return (response.json() as { id: number }).id;
}

/** A client on the Redis the gateway under test uses, to look at its keys. */
export function inspectRedis(config: GatewayConfig): Redis | Cluster {
  return config.redis.kind === 'cluster' ? new Cluster(config.redis.nodes) : new Redis(config.redis.url);
}

export interface GateState {
  reserved: number;
  requesters: number[];
  /** Users with a status in Redis. */
  statuses: Record<number, Partial<RequestStatusFields>>;
}

/** The coupon's gate counters and the statuses of `users`. */
export async function gateState(redis: Redis | Cluster, couponId: number, users: number[]): Promise<GateState> {
  const [reserved, requesters] = await Promise.all([redis.get(redisKeys.reserved(couponId)), redis.smembers(redisKeys.requesters(couponId))]);
  const statuses: Record<number, Partial<RequestStatusFields>> = {};
  for (const user of users) {
    const fields = await statusOf(redis, couponId, user);
    if (Object.keys(fields).length > 0) statuses[user] = fields;
  }
  return { reserved: Number(reserved ?? 0), requesters: requesters.map(Number).sort((a, b) => a - b), statuses };
}

export interface RequestRecord extends CouponIssueRequested {
  key: string;
  partition: number;
  offset: number;
}

/**
 * The requests topic as a test sees it: opened before the test produces anything, it reads only
 * what was committed afterwards (every coupon a test uses is created after opening).
 */
export class RequestLog {
  private readonly serde: Serde;

  private constructor(
    private readonly kafka: KafkaConnection,
    private readonly since: Map<number, number>,
  ) {
    this.serde = new Serde(registryConnectionFromEnv());
  }

  static async open(kafka = kafkaConnectionFromEnv()): Promise<RequestLog> {
    return new RequestLog(kafka, await topicEnds(TOPICS.requests, kafka));
  }

  /** The committed CouponIssueRequested records keyed by the coupon's id, decoded. */
  async recordsOf(couponId: number): Promise<RequestRecord[]> {
    const key = recordKey(couponId);
    const records = await readCommittedSince(TOPICS.requests, this.since, (r) => r.key?.toString() === key, this.kafka);
    return Promise.all(records.map(async (r) => ({ key: r.key!.toString(), partition: r.partition, offset: r.offset, ...(await this.serde.decode(TOPICS.requests, r.value)) })));
  }
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** Real HTTP against a listening app, through a shared keep-alive agent. */
export class HttpClient {
  private readonly agent: http.Agent;
  readonly port: number;

  constructor(app: GatewayApp, maxSockets = 256) {
    this.port = (app.server.address() as AddressInfo).port;
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.port, method, path, agent: this.agent, headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
