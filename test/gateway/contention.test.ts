/**
 * A flash sale in miniature, over real HTTP: a coupon of 1,000 units, 3,000 concurrent requests
 * from 2,000 users (1,000 of them asking twice). Exactly 1,000 are accepted, every repeat of an
 * accepted user is ALREADY_REQUESTED, everything else SOLD_OUT; exactly the accepted requests are
 * on Kafka. Run against a single Redis and against a 3-master Redis Cluster.
 */
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCoupon, gateState, HttpClient, inspectRedis, RequestLog, startGateway, type HttpAnswer, type TestGateway } from '../support/gateway-harness.ts';
import { ensureRedisCluster, REDIS_CLUSTER_NODES } from '../support/gateway-redis-cluster.ts';
import { recordKey } from '../../schemas/record-key.ts';

const QUANTITY = 1000;
const USERS = 2000;
const TWICE = 1000;

/** Users 1..2000; the first 1,000 twice; in a shuffled order so repeats interleave with everything else. */
function requestPlan(): number[] {
  const plan = [...Array.from({ length: USERS }, (_, i) => i + 1), ...Array.from({ length: TWICE }, (_, i) => i + 1)];
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [plan[i], plan[j]] = [plan[j]!, plan[i]!];
  }
  return plan;
}


describe.each([
  { mode: 'single Redis', env: {} },
  { mode: 'Redis Cluster (3 masters)', env: { REDIS_CLUSTER_NODES } },
])('contention on $mode', ({ mode, env }) => {
  let gw: TestGateway;
  let redis: Redis | Cluster;
  let http: HttpClient;
  let requests: RequestLog;

  beforeAll(async () => {
    if (mode.startsWith('Redis Cluster')) await ensureRedisCluster();
    gw = await startGateway(env);
    await gw.app.listen({ host: '127.0.0.1', port: 0 });
    http = new HttpClient(gw.app, 512);
    redis = inspectRedis(gw.config);
    requests = await RequestLog.open();
  });

  afterAll(async () => {
    http?.close();
    await gw?.app.close();
    redis?.disconnect();
  });

  it('accepts exactly the quantity, refuses repeats and the rest, and produces exactly the accepted requests', async () => {
    expect(gw.config.redis.kind).toBe(mode.startsWith('Redis Cluster') ? 'cluster' : 'single');
    const couponId = await createCoupon(gw.app, { totalQuantity: QUANTITY });
    const plan = requestPlan();
    const answers: Array<HttpAnswer & { userId: number }> = await Promise.all(
      plan.map(async (userId) => ({ userId, ...(await http.request('POST', `/api/coupons/${couponId}/issue`, { userId })) })),
    );

    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted).toHaveLength(QUANTITY);
    const acceptedUsers = new Set(accepted.map((a) => a.userId));
    expect(acceptedUsers.size).toBe(QUANTITY);

    const codeOf = (a: HttpAnswer): string | undefined => (a.body as { error?: { code: string } }).error?.code;
    const refusals = answers.filter((a) => a.status !== 202);
    expect(new Set(refusals.map((a) => a.status))).toEqual(new Set([409]));
    for (const a of refusals) {
      expect(codeOf(a), `user ${a.userId}`).toBe(acceptedUsers.has(a.userId) ? 'ALREADY_REQUESTED' : 'SOLD_OUT');
    }
    const repeatsOfAccepted = plan.filter((u) => u <= TWICE && acceptedUsers.has(u)).length - [...acceptedUsers].filter((u) => u <= TWICE).length;
    expect(refusals.filter((a) => codeOf(a) === 'ALREADY_REQUESTED')).toHaveLength(repeatsOfAccepted);
    expect(refusals.filter((a) => codeOf(a) === 'SOLD_OUT')).toHaveLength(plan.length - QUANTITY - repeatsOfAccepted);

    const state = await gateState(redis, couponId, []);
    expect(state.reserved).toBe(QUANTITY);
    expect(state.requesters).toEqual([...acceptedUsers].sort((a, b) => a - b));

    const records = await requests.recordsOf(couponId);
    expect(records).toHaveLength(QUANTITY);
    expect(new Set(records.map((r) => r.key))).toEqual(new Set([recordKey(couponId)]));
    expect(new Set(records.map((r) => r.couponId))).toEqual(new Set([couponId]));
    const eventIds = records.map((r) => r.eventId);
    expect(new Set(eventIds).size).toBe(QUANTITY);
    expect(new Set(eventIds)).toEqual(new Set(accepted.map((a) => (a.body as { eventId: string }).eventId)));
    expect(new Set(records.map((r) => r.userId))).toEqual(acceptedUsers);
    // One key, one partition: the order of the sale is the order of that partition.
    expect(new Set(records.map((r) => r.partition)).size).toBe(1);
  });
});
