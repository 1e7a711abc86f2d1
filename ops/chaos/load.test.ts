import { describe, expect, it } from 'vitest';
import { couponFor } from './load.ts';

describe('couponFor', () => {
  const s = { bigCouponId: 1, smallCouponIds: [10, 11], perSmallCoupon: 2, smallShare: 0.25 };

  it('sends every fourth request to the current small coupon, perSmallCoupon requests each, then the big one', () => {
    const coupons = Array.from({ length: 24 }, (_, n) => couponFor(n, s));
    expect(coupons.filter((c) => c === 10)).toHaveLength(2);
    expect(coupons.filter((c) => c === 11)).toHaveLength(2);
    expect(coupons.slice(0, 8)).toEqual([1, 1, 1, 10, 1, 1, 1, 10]);
    expect(coupons.slice(16)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('uses only the big coupon without small ones', () => {
    expect(couponFor(3, { ...s, smallShare: 0 })).toBe(1);
    expect(couponFor(3, { ...s, smallCouponIds: [] })).toBe(1);
  });
});
