import { describe, expect, it } from 'vitest';
import { couponTag, grantHoldMember, holdMember, parseHoldMember, redisKeys } from './redis-keys.ts';

/** Redis Cluster's rule: the slot is hashed from the first `{...}` with a non-empty body, else the whole key. */
function hashedPart(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close === -1 || close === open + 1 ? key : key.slice(open + 1, close);
}

describe('redisKeys', () => {
  it('puts every key of a coupon under the coupon hash tag, so one Lua script may touch them all', () => {
    const couponKeys = [redisKeys.gate(42), redisKeys.reserved(42), redisKeys.requesters(42), redisKeys.holds(42), redisKeys.seq(42), redisKeys.grants(42), redisKeys.grantCodes(42), redisKeys.statuses(42)];
    expect(new Set(couponKeys.map(hashedPart))).toEqual(new Set(['c:42']));
    expect(new Set(couponKeys).size).toBe(couponKeys.length);
  });

  it('keeps coupons apart: another coupon id hashes differently, even one that shares a prefix', () => {
    expect(hashedPart(redisKeys.gate(4))).not.toBe(hashedPart(redisKeys.gate(42)));
    expect(couponTag(4)).toBe('{c:4}');
  });

  it('keys statuses by coupon and a watermark by partition', () => {
    expect(redisKeys.statuses(42)).not.toBe(redisKeys.statuses(4));
    expect(redisKeys.watermark(0)).toBe('watermark:coupon-issue-requests:0');
    expect(redisKeys.watermark(0)).not.toBe(redisKeys.watermark(1));
  });
});

describe('hold members', () => {
  it('round-trip user and event id', () => {
    expect(parseHoldMember(holdMember(7, '01937c1e-0000-7000-8000-000000000001'))).toEqual({ userId: 7, eventId: '01937c1e-0000-7000-8000-000000000001' });
  });

  it("round-trip a grant's user and code", () => {
    expect(parseHoldMember(grantHoldMember(7, '#12'))).toEqual({ userId: 7, grantCode: '#12' });
  });

  it('refuse what is not a member', () => {
    expect(parseHoldMember('7:#')).toBeUndefined();
    expect(parseHoldMember('x:1')).toBeUndefined();
    expect(parseHoldMember('7:')).toBeUndefined();
    expect(parseHoldMember('7')).toBeUndefined();
  });
});
