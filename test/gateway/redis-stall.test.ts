/**
 * Redis stalls for longer than the gateway's command timeout while a reserve is on its way: the
 * gateway answers 503, the reserve script runs when Redis wakes up, and the background release
 * undoes it — the user is not locked out and no unit leaks. Uses a redis-server of its own
 * (port 19201) so the shared one is never stalled.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../schemas/redis-keys.ts';
import { eventually } from '../support/eventually.ts';
import { createCoupon, gateState, JSON_HEADERS, RequestLog, startGateway, type TestGateway } from '../support/gateway-harness.ts';
import { OwnRedis } from '../support/own-redis.ts';

const ownRedis = new OwnRedis(19201);
const COMMAND_TIMEOUT_MS = 300;

let gw: TestGateway;
let redis: Redis;
let requests: RequestLog;

beforeAll(async () => {
  await ownRedis.start();
  requests = await RequestLog.open();
  gw = await startGateway({ REDIS_URL: ownRedis.url, GATEWAY_REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS), LOG_LEVEL: process.env.LOG_LEVEL ?? 'fatal' });
  redis = ownRedis.client();
});

afterAll(async () => {
  await gw?.app.close();
  redis?.disconnect();
  await ownRedis.stop();
});

describe('Redis stall during a reserve', () => {
  it('answers 503 and releases the late reserve, so the user can request again and no unit leaks', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 10 });
    const issue = (userId: number) => gw.app.inject({ method: 'POST', url: `/api/coupons/${couponId}/issue`, headers: JSON_HEADERS, payload: { userId } });
    expect((await issue(1)).statusCode).toBe(202);

    const stalled = ownRedis.stall(10 * COMMAND_TIMEOUT_MS);
    // Requests until one meets the stall (those before it are simply accepted).
    const accepted = [1];
    let user = 1;
    for (;;) {
      const answer = await issue(++user);
      if (answer.statusCode === 503) break;
      expect(answer.statusCode, answer.body).toBe(202);
      accepted.push(user);
    }
    const stuck = user;
    await stalled;

    // The reserve ran once Redis woke up; the background release takes it back.
    await eventually(async () => {
      const state = await gateState(redis, couponId, [stuck]);
      return state.reserved === accepted.length && !state.requesters.includes(stuck) && state.statuses[stuck] === undefined;
    }, 30_000, 50);

    const retried = await issue(stuck);
    expect(retried.statusCode, retried.body).toBe(202);
    accepted.push(stuck);
    const state = await gateState(redis, couponId, accepted);
    expect([state.reserved, state.requesters]).toEqual([accepted.length, accepted]);
    // Confirmed in the background of the 202s: nothing is left held.
    await eventually(async () => (await redis.zcard(redisKeys.holds(couponId))) === 0, 30_000, 50);
    // Exactly the accepted requests reached Kafka.
    expect((await requests.recordsOf(couponId)).map((r) => r.userId).sort((a, b) => a - b)).toEqual(accepted);
  });
});
