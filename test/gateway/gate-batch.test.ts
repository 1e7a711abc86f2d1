/**
 * reserve-many.lua and confirm-many.lua on the real Redis: per user, the same effects as the
 * per-request gate (requesters, reserved, hold, PENDING status, seq) — for a grant's users the
 * grant's code in the grants hash instead of a status —, quantity shared with single requests, a
 * repeated batch recognised as the same requests (HELD), and nothing written for refused users.
 */
import { randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gate } from '../../gateway/gate.ts';
import { grantEventId } from '../../gateway/grant/grant-id.ts';
import { grantHoldMember, redisKeys } from '../../schemas/redis-keys.ts';
import { testRedisUrl } from '../support/gateway-harness.ts';

let redis: Redis;
let gate: Gate;
const coupons: number[] = [];

beforeAll(() => {
  redis = new Redis(testRedisUrl());
  gate = new Gate(redis);
});

afterAll(async () => {
  for (const couponId of coupons) {
    const keys = await redis.keys(`{c:${couponId}}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await redis.quit();
});

/** A primed gate of a coupon id no other test uses. */
async function primedCoupon(total: number, window: { startsAt: number; endsAt: number | null } = { startsAt: 0, endsAt: null }): Promise<number> {
  const couponId = 9_000_000_000 + randomInt(1_000_000_000);
  coupons.push(couponId);
  await gate.prime(couponId, { totalQuantity: total, ...window });
  return couponId;
}

const requestsOf = (couponId: number, users: number[]) => users.map((userId) => ({ userId, eventId: grantEventId(couponId, 'g1', userId) }));

describe('reserveMany', () => {
  it('reserves each user like a request, up to the quantity, and sells out the rest', async () => {
    const couponId = await primedCoupon(3);
    const seqBefore = Number(await redis.get(redisKeys.seq(couponId)));
    const requests = requestsOf(couponId, [11, 12, 13, 14, 15]);
    expect(await gate.reserveMany(couponId, requests, Date.now())).toEqual(['RESERVED', 'RESERVED', 'RESERVED', 'SOLD_OUT', 'SOLD_OUT']);
    expect(await redis.get(redisKeys.reserved(couponId))).toBe('3');
    expect((await redis.smembers(redisKeys.requesters(couponId))).sort()).toEqual(['11', '12', '13']);
    expect(await redis.zrange(redisKeys.holds(couponId), 0, -1)).toEqual(expect.arrayContaining(requests.slice(0, 3).map((r) => `${r.userId}:${r.eventId}`)));
    expect(Number(await redis.get(redisKeys.seq(couponId)))).toBeGreaterThan(seqBefore);
    expect(await gate.status(couponId, 11)).toMatchObject({ status: 'PENDING', eventId: requests[0]!.eventId });
    expect(await gate.status(couponId, 14)).toEqual({});
    expect(await redis.ttl(redisKeys.statuses(couponId))).toBeGreaterThan(0);
  });

  it("reserves a grant's users without a status: the grants hash names their grant by its code", async () => {
    const couponId = await primedCoupon(3);
    const requests = requestsOf(couponId, [16, 17, 18]);
    expect(await gate.reserveGrant(couponId, 'g1', requests.slice(0, 2), Date.now())).toEqual(['RESERVED', 'RESERVED']);
    const second = { userId: 18, eventId: grantEventId(couponId, 'a-second-grant-with-a-long-id', 18) };
    expect(await gate.reserveGrant(couponId, 'a-second-grant-with-a-long-id', [second, { userId: 19, eventId: grantEventId(couponId, 'a-second-grant-with-a-long-id', 19) }], Date.now())).toEqual(['RESERVED', 'SOLD_OUT']);
    expect(await redis.get(redisKeys.reserved(couponId))).toBe('3');
    expect((await redis.smembers(redisKeys.requesters(couponId))).sort()).toEqual(['16', '17', '18']);
    expect(await redis.zcard(redisKeys.holds(couponId))).toBe(3);
    expect(await redis.hgetall(redisKeys.grants(couponId))).toEqual({ 16: '#1', 17: '#1', 18: '#2' });
    expect(await redis.hgetall(redisKeys.grantCodes(couponId))).toEqual({ '#': '2', g1: '#1', '#1': 'g1', 'a-second-grant-with-a-long-id': '#2', '#2': 'a-second-grant-with-a-long-id' });
    expect(await redis.ttl(redisKeys.grants(couponId))).toBeGreaterThan(0);
    // No TTL: a hold names its grant by the code as long as the hold lives.
    expect(await redis.ttl(redisKeys.grantCodes(couponId))).toBe(-1);
    expect((await redis.zrange(redisKeys.holds(couponId), 0, -1)).sort()).toEqual(['16:#1', '17:#1', '18:#2']);
    expect(await redis.exists(redisKeys.statuses(couponId))).toBe(0);
    expect(await gate.grantOf(couponId, 16)).toBe('g1');
    expect(await gate.grantOf(couponId, 18)).toBe('a-second-grant-with-a-long-id');
    expect(await gate.grantOf(couponId, 19)).toBeUndefined();
    // A grant's code stays its own: the first grant again is still #1, and its users are its own.
    expect(await gate.reserveGrant(couponId, 'g1', requests.slice(0, 2), Date.now())).toEqual(['HELD', 'HELD']);
    expect(await redis.hget(redisKeys.grantCodes(couponId), '#')).toBe('2');
  });

  it("opens a coupon's gate afresh: what a grant left under the same coupon id is dropped with the rest", async () => {
    const couponId = await primedCoupon(10);
    await gate.reserveGrant(couponId, 'g1', requestsOf(couponId, [25, 26]), Date.now());
    // The database was recreated while Redis kept its data: the id is another coupon's now.
    await gate.prime(couponId, { totalQuantity: 5, startsAt: 0, endsAt: null });
    expect(await redis.exists(redisKeys.reserved(couponId), redisKeys.requesters(couponId), redisKeys.holds(couponId), redisKeys.grants(couponId), redisKeys.grantCodes(couponId))).toBe(0);
    expect(await gate.grantOf(couponId, 25)).toBeUndefined();
    expect(await gate.reserveGrant(couponId, 'g7', requestsOf(couponId, [25]), Date.now())).toEqual(['RESERVED']);
    expect(await redis.hgetall(redisKeys.grants(couponId))).toEqual({ 25: '#1' });
  });

  it("recognises a grant's users that a gateway before the codes wrote under the grant's id", async () => {
    const couponId = await primedCoupon(10);
    const [request] = requestsOf(couponId, [20]);
    // What reserve-many.lua wrote for a grant's user before the codes: the grant id itself.
    await redis.multi().sadd(redisKeys.requesters(couponId), '20').incr(redisKeys.reserved(couponId)).hset(redisKeys.grants(couponId), '20', 'g1').exec();
    expect(await gate.grantOf(couponId, 20)).toBe('g1');
    expect(await gate.reserveGrant(couponId, 'g1', [request!], Date.now())).toEqual(['HELD']);
    expect(await gate.reserveGrant(couponId, 'g2', [{ userId: 20, eventId: grantEventId(couponId, 'g2', 20) }], Date.now())).toEqual(['ALREADY_REQUESTED']);
    expect(await redis.get(redisKeys.reserved(couponId))).toBe('1');
  });

  it('shares the quantity and the requesters with single requests: a user who asked alone is ALREADY_REQUESTED, and the reverse', async () => {
    const couponId = await primedCoupon(10);
    expect((await gate.reserve(couponId, 21, '0190a4c2-7b1e-7000-8000-000000000021')).outcome).toBe('RESERVED');
    expect(await gate.reserveMany(couponId, requestsOf(couponId, [21, 22]), Date.now())).toEqual(['ALREADY_REQUESTED', 'RESERVED']);
    expect((await gate.reserve(couponId, 22, '0190a4c2-7b1e-7000-8000-000000000022')).outcome).toBe('ALREADY_REQUESTED');
    expect(await redis.get(redisKeys.reserved(couponId))).toBe('2');
  });

  it('answers HELD for requests it already holds (a resumed grant) without reserving again, before and after the confirm', async () => {
    const couponId = await primedCoupon(10);
    const requests = requestsOf(couponId, [31, 32]);
    expect(await gate.reserveMany(couponId, requests, Date.now())).toEqual(['RESERVED', 'RESERVED']);
    expect(await gate.reserveMany(couponId, requests, Date.now())).toEqual(['HELD', 'HELD']);
    await gate.confirmMany(couponId, requests.map((r, i) => ({ ...r, partition: 2, offset: 100 + i })));
    expect(await redis.zcard(redisKeys.holds(couponId))).toBe(0);
    expect(await gate.status(couponId, 32)).toMatchObject({ status: 'PENDING', partition: '2', offset: '101' });
    expect(await gate.reserveMany(couponId, requests, Date.now())).toEqual(['HELD', 'HELD']);
    expect(await redis.get(redisKeys.reserved(couponId))).toBe('2');
    // Another grant's request for the same user is another request.
    expect(await gate.reserveMany(couponId, [{ userId: 31, eventId: grantEventId(couponId, 'g2', 31) }], Date.now())).toEqual(['ALREADY_REQUESTED']);
  });

  it("answers HELD for a grant's own users, held or settled, and ALREADY_REQUESTED for another grant's or a request's", async () => {
    const couponId = await primedCoupon(10);
    const requests = requestsOf(couponId, [33, 34]);
    expect(await gate.reserveGrant(couponId, 'g1', requests, Date.now())).toEqual(['RESERVED', 'RESERVED']);
    expect(await gate.reserveGrant(couponId, 'g1', requests, Date.now())).toEqual(['HELD', 'HELD']);
    await gate.settleHolds(couponId, 'g1', requests);
    expect(await redis.zcard(redisKeys.holds(couponId))).toBe(0);
    expect(await gate.reserveGrant(couponId, 'g1', requests, Date.now())).toEqual(['HELD', 'HELD']);
    expect(await redis.get(redisKeys.reserved(couponId))).toBe('2');
    expect(await gate.reserveGrant(couponId, 'g2', [{ userId: 33, eventId: grantEventId(couponId, 'g2', 33) }], Date.now())).toEqual(['ALREADY_REQUESTED']);
    expect((await gate.reserve(couponId, 34, '0190a4c2-7b1e-7000-8000-000000000034')).outcome).toBe('ALREADY_REQUESTED');
  });

  it("releases a grant's request with the user's grant: the user is free again, and a late release takes nothing from the next grant", async () => {
    const couponId = await primedCoupon(10);
    const request = { userId: 36, eventId: grantEventId(couponId, 'g1', 36) };
    const next = { userId: 36, eventId: grantEventId(couponId, 'g2', 36) };
    await gate.reserveGrant(couponId, 'g1', [request], Date.now());
    // The hold names the grant's code (the reconciler reads it so: GateStore.counts).
    const held = grantHoldMember(36, '#1');
    expect(await gate.release(couponId, request.userId, request.eventId)).toBe(false);
    expect(await gate.release(couponId, request.userId, request.eventId, held)).toBe(true);
    expect(await gate.grantOf(couponId, 36)).toBeUndefined();
    expect(await redis.get(redisKeys.reserved(couponId))).toBe('0');
    expect(await gate.reserveGrant(couponId, 'g2', [next], Date.now())).toEqual(['RESERVED']);
    await gate.settleHolds(couponId, 'g2', [next]);
    // A late release of the first request finds no hold of it: the second grant keeps the user.
    expect(await gate.release(couponId, request.userId, request.eventId, held)).toBe(false);
    expect(await gate.grantOf(couponId, 36)).toBe('g2');
  });

  it('sees its own earlier users in one call: a user twice is the same request (HELD) or another one (ALREADY_REQUESTED)', async () => {
    const couponId = await primedCoupon(10);
    const [first] = requestsOf(couponId, [51]);
    const other = { userId: 51, eventId: grantEventId(couponId, 'g2', 51) };
    expect(await gate.reserveMany(couponId, [first!, first!, other], Date.now())).toEqual(['RESERVED', 'HELD', 'ALREADY_REQUESTED']);
    expect(await redis.get(redisKeys.reserved(couponId))).toBe('1');
    expect(await redis.zrange(redisKeys.holds(couponId), 0, -1)).toEqual([`51:${first!.eventId}`]);
  });

  it('sees a grant\'s user twice in one call as the same request (HELD), its hold named by the grant\'s code', async () => {
    const couponId = await primedCoupon(10);
    const twice = { userId: 52, eventId: grantEventId(couponId, 'g1', 52) };
    expect(await gate.reserveGrant(couponId, 'g1', [twice, twice], Date.now())).toEqual(['RESERVED', 'HELD']);
    expect(await redis.get(redisKeys.reserved(couponId))).toBe('1');
    expect(await redis.zrange(redisKeys.holds(couponId), 0, -1)).toEqual(['52:#1']);
  });

  it('reserves and confirms more users in one call than one variadic command takes (5,000: the SADD, ZADD and ZREM go in slices)', async () => {
    const couponId = await primedCoupon(4_500);
    const requests = requestsOf(couponId, Array.from({ length: 5_000 }, (_, i) => 100 + i));
    const outcomes = await gate.reserveMany(couponId, requests, Date.now());
    expect(outcomes.filter((o) => o === 'RESERVED')).toHaveLength(4_500);
    expect(outcomes.slice(4_500).every((o) => o === 'SOLD_OUT')).toBe(true);
    expect(await redis.scard(redisKeys.requesters(couponId))).toBe(4_500);
    expect(await redis.zcard(redisKeys.holds(couponId))).toBe(4_500);
    await gate.confirmMany(couponId, requests.slice(0, 4_500).map((r, i) => ({ ...r, partition: 1, offset: i })));
    expect(await redis.zcard(redisKeys.holds(couponId))).toBe(0);
    expect(await gate.status(couponId, 4_599)).toMatchObject({ status: 'PENDING', partition: '1', offset: '4499' });
  });

  it("settles a grant's holds without a queue position or a status: the units stay reserved", async () => {
    const couponId = await primedCoupon(10);
    const requests = requestsOf(couponId, [61, 62]);
    await gate.reserveGrant(couponId, 'g1', requests, Date.now());
    await gate.settleHolds(couponId, 'g1', requests);
    expect(await redis.zcard(redisKeys.holds(couponId))).toBe(0);
    expect(await redis.get(redisKeys.reserved(couponId))).toBe('2');
    expect(await redis.exists(redisKeys.statuses(couponId))).toBe(0);
    expect(await gate.grantOf(couponId, 62)).toBe('g1');
  });

  it('writes the grant users of more users than one variadic command takes (5,000: the HSET goes in slices)', async () => {
    const couponId = await primedCoupon(4_500);
    const outcomes = await gate.reserveGrant(couponId, 'g1', requestsOf(couponId, Array.from({ length: 5_000 }, (_, i) => 100 + i)), Date.now());
    expect(outcomes.filter((o) => o === 'RESERVED')).toHaveLength(4_500);
    expect(await redis.hlen(redisKeys.grants(couponId))).toBe(4_500);
    expect(await redis.scard(redisKeys.requesters(couponId))).toBe(4_500);
  });

  it('refuses a whole batch for an unknown coupon or outside the window, changing nothing', async () => {
    const future = await primedCoupon(10, { startsAt: Date.now() + 3_600_000, endsAt: null });
    expect(await gate.reserveMany(future, requestsOf(future, [41, 42]), Date.now())).toEqual(['COUPON_NOT_ACTIVE', 'COUPON_NOT_ACTIVE']);
    expect(await redis.exists(redisKeys.reserved(future), redisKeys.requesters(future), redisKeys.holds(future))).toBe(0);
    const unknown = 9_999_999_999_000 + randomInt(999);
    expect(await gate.reserveMany(unknown, requestsOf(unknown, [41]), Date.now())).toEqual(['COUPON_NOT_FOUND']);
  });
});
