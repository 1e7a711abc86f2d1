import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { GateStore } from '../../gateway/reconcile/gate-store.ts';

// Coupons far above any test fixture's ids: this file owns their keys.
const COUPON = 9_000_000_000 + Math.floor(Math.random() * 1_000_000);

describe('GateStore against Redis', () => {
  let redis: Redis;
  let store: GateStore;

  beforeAll(() => {
    redis = new Redis(endpointsFromEnv().redisUrl);
    store = new GateStore(redis);
  });

  afterAll(async () => {
    const keys = await redis.keys(`*{c:${COUPON}}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('writes the accounting of a coupon with 200,000 requesters (a rebuild after a large sale) and reads it back', async () => {
    const requesters = Array.from({ length: 200_000 }, (_, i) => i + 1);
    const before = await store.snapshot(COUPON);
    expect(await store.apply(before, { reserved: 150_000, requesters }, { totalQuantity: 150_000, startsAt: 0, endsAt: null })).toBe(true);

    const after = await store.snapshot(COUPON);
    expect(after).toMatchObject({ reserved: 150_000, gateExists: true, seq: before.seq + 1 });
    expect(after.requesters).toEqual(requesters);
  });
});
