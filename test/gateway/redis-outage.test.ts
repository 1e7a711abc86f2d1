/**
 * Redis unavailable (connections cut by a proxy): the gate cannot decide, so requests get 503 with
 * Retry-After and nothing is produced; statuses Redis would have to answer are 503 too; once Redis
 * is back the same user is accepted.
 */
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { eventually } from '../support/eventually.ts';
import { createCoupon, gateState, inspectRedis, JSON_HEADERS, RequestLog, startGateway, testRedisUrl, type TestGateway } from '../support/gateway-harness.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

const target = new URL(endpointsFromEnv().redisUrl);
const proxy = new TcpProxy(target.hostname, Number(target.port));

let gw: TestGateway;
let redis: Redis | Cluster;
let requests: RequestLog;

beforeAll(async () => {
  await proxy.start();
  requests = await RequestLog.open();
  gw = await startGateway({ REDIS_URL: proxy.url(testRedisUrl()), GATEWAY_RETRY_AFTER_SECONDS: '2' });
  // Inspect Redis directly, not through the proxy.
  redis = inspectRedis({ ...gw.config, redis: { kind: 'single', url: testRedisUrl() } });
});

afterAll(async () => {
  await gw?.app.close();
  redis?.disconnect();
  await proxy.stop();
});

describe('Redis outage', () => {
  it('answers 503 and produces nothing while Redis is unreachable, then accepts again', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 10 });
    const issue = (userId: number) => gw.app.inject({ method: 'POST', url: `/api/coupons/${couponId}/issue`, headers: JSON_HEADERS, payload: { userId } });
    expect((await issue(1)).statusCode).toBe(202);

    proxy.cut();

    const refused = await issue(2);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.json()).toEqual({ error: { code: 'REDIS_UNAVAILABLE', message: expect.any(String) } });

    // User 3 never asked: without Redis the gateway cannot tell NOT_REQUESTED from a request the
    // ledger has not decided yet. (User 1's request may be decided by now: a processor may run.)
    const unknown = await gw.app.inject({ method: 'GET', url: `/api/coupons/${couponId}/issue/3` });
    expect([unknown.statusCode, (unknown.json() as { error: { code: string } }).error.code]).toEqual([503, 'REDIS_UNAVAILABLE']);

    const ready = await gw.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ checks: { kafka: 'ok', registry: 'ok' } });
    expect((ready.json() as { checks: { redis: string } }).checks.redis).not.toBe('ok');

    proxy.restore();

    const accepted = await eventually(async () => ((await issue(2)).statusCode === 202 ? true : undefined), 30_000, 100);
    expect(accepted).toBe(true);
    const state = await gateState(redis, couponId, []);
    expect([state.reserved, state.requesters]).toEqual([2, [1, 2]]);
    expect((await requests.recordsOf(couponId)).map((r) => r.userId).sort()).toEqual([1, 2]);
  });
});
