import { describe, expect, it } from 'vitest';
import { buildRequests, planInput } from './request-input.ts';

describe('planInput', () => {
  it('keeps about 2,000 requests per coupon and units for half of them', () => {
    expect(planInput(200_000)).toEqual({ coupons: 100, quantity: 1000 });
    expect(planInput(2500)).toEqual({ coupons: 1, quantity: 1250 });
    expect(planInput(100)).toEqual({ coupons: 1, quantity: 50 });
    expect(planInput(1)).toEqual({ coupons: 1, quantity: 1 });
  });
});

describe('buildRequests', () => {
  it('interleaves the coupons, gives each coupon distinct users and time-ordered event ids', () => {
    const requests = buildRequests([7, 8], 5, 1000);
    expect(requests.map((r) => [r.couponId, r.userId])).toEqual([
      [7, 1],
      [8, 1],
      [7, 2],
      [8, 2],
      [7, 3],
    ]);
    const ids = requests.map((r) => r.eventId);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(5);
    expect(requests.every((r) => r.requestedAt === 1000)).toBe(true);
  });
});
