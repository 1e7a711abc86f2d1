import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CouponView } from '../../ops/cli/coupons.ts';
import { resetGroupOffsets } from '../../ops/verify/group-offsets.ts';
import { topicEnds } from '../../ops/verify/read-committed.ts';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { redisKeys } from '../../schemas/redis-keys.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { opsJson, runOps } from '../support/ops-cli.ts';
import { createCoupon, pool, request, RequestProducer } from '../support/requests.ts';
import { kafkaConnectionFromEnv } from '../../platform/kafka-config.ts';

describe('coupon-ops coupons', () => {
  let db: pg.Pool;
  let redis: Redis;
  let producer: RequestProducer;
  let coupon: number;
  let ended: number;
  /** A group of this test's own that stands right before its requests: they are pending for it. */
  const group = `ops-coupons-${randomUUID()}`;

  beforeAll(async () => {
    db = pool();
    redis = new Redis(endpointsFromEnv().redisUrl);
    producer = await new RequestProducer().connect();
    const startsAt = new Date(Date.now() - 60_000);
    coupon = await createCoupon(db, 100, { startsAt, endsAt: new Date(Date.now() + 3_600_000) });
    ended = await createCoupon(db, 5, { startsAt: new Date(Date.now() - 7_200_000), endsAt: new Date(Date.now() - 3_600_000) });
    // The gate as the gateway leaves it after three accepted requests.
    await redis.hset(redisKeys.gate(coupon), { total: 100, startsAt: startsAt.getTime(), endsAt: 0 });
    await redis.set(redisKeys.reserved(coupon), 3);
    await redis.sadd(redisKeys.requesters(coupon), 1, 2, 3);
    const sent = await producer.send([1, 2, 3].map((u) => request(coupon, u)));
    const position = await topicEnds(TOPICS.requests);
    position.set(sent[0]!.partition, sent[0]!.offset);
    await resetGroupOffsets(kafkaConnectionFromEnv(), group, TOPICS.requests, position);
  });

  afterAll(async () => {
    await redis.del(redisKeys.gate(coupon), redisKeys.reserved(coupon), redisKeys.requesters(coupon));
    redis.disconnect();
    await producer.disconnect();
    await db.end();
  });

  it('shows a coupon with its gate and its pending requests', async () => {
    const { coupon: shown } = await opsJson<{ coupon: CouponView }>(['coupons', 'show', String(coupon)], { PROCESSOR_GROUP_ID: group });
    // (issued is not asserted: a processor of another test may decide these requests meanwhile)
    expect(shown).toMatchObject({ id: coupon, totalQuantity: 100, window: 'open', gate: { open: true, reserved: 3, requesters: 3 }, pending: 3 });

    const human = await runOps(['coupons', 'show', String(coupon)], { PROCESSOR_GROUP_ID: group });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/gate reserved: +3\n/);
    expect(human.stdout).toMatch(/gate remaining: +97\n/);
    expect(human.stdout).toMatch(new RegExp(`pending requests: 3 \\(in Kafka above group ${group}'s committed offsets\\)`));
  });

  it('lists coupons newest first, live ones only with --live', async () => {
    const { coupons } = await opsJson<{ coupons: CouponView[] }>(['coupons', 'list', '--limit', '500'], { PROCESSOR_GROUP_ID: group });
    const ids = coupons.map((c) => c.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(coupons.find((c) => c.id === coupon)).toMatchObject({ gate: { open: true, reserved: 3 }, pending: 3, window: 'open' });
    expect(coupons.find((c) => c.id === ended)).toMatchObject({ gate: { open: false, reserved: 0 }, pending: 0, window: 'ended' });

    const live = await opsJson<{ coupons: CouponView[] }>(['coupons', 'list', '--live', '--limit', '500'], { PROCESSOR_GROUP_ID: group });
    expect(live.coupons.some((c) => c.id === coupon)).toBe(true);
    expect(live.coupons.some((c) => c.id === ended)).toBe(false);

    const human = await runOps(['coupons', 'list', '--limit', '500'], { PROCESSOR_GROUP_ID: group });
    expect(human.stdout).toMatch(/^ *ID +NAME +QUANTITY +ISSUED +GATE +RESERVED +PENDING +WINDOW +STARTS +ENDS$/m);
    expect(human.stdout).toMatch(new RegExp(`^ *${coupon} +test coupon .* +100 +\\d +open +3 +3 +open `, 'm'));
    expect(human.stdout).toMatch(new RegExp(`^ *${ended} +test coupon .* +5 +0 +MISSING +0 +0 +ended `, 'm'));
  });

  it('exits 1 for a coupon that does not exist, 2 for a bad id', async () => {
    const missing = await runOps(['coupons', 'show', '999999999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/coupon 999999999 does not exist/);
    const bad = await runOps(['coupons', 'show', 'seven']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/coupons show takes a coupon id/);
  });
});
