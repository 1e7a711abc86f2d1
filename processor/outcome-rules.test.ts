import { describe, expect, it } from 'vitest';
import { decide, type CouponState } from './outcome-rules.ts';

const coupon = (over: Partial<CouponState> = {}): CouponState => ({ totalQuantity: 10, issuedQuantity: 0, startsAt: 1000, endsAt: 2000, ...over });

describe('decide', () => {
  it('issues while quantity remains inside the window', () => {
    expect(decide(coupon(), false, 1500)).toEqual({ outcome: 'ISSUED' });
    expect(decide(coupon({ issuedQuantity: 9 }), false, 1000)).toEqual({ outcome: 'ISSUED' });
  });
  it('rejects unknown coupons first', () => {
    expect(decide(null, true, 1500)).toEqual({ outcome: 'REJECTED', reason: 'COUPON_NOT_FOUND' });
  });
  it('checks the window against the request time: start inclusive, end exclusive', () => {
    expect(decide(coupon(), false, 999)).toEqual({ outcome: 'REJECTED', reason: 'COUPON_NOT_ACTIVE' });
    expect(decide(coupon(), false, 2000)).toEqual({ outcome: 'REJECTED', reason: 'COUPON_NOT_ACTIVE' });
    expect(decide(coupon({ endsAt: null }), false, 9e12)).toEqual({ outcome: 'ISSUED' });
  });
  it('prefers ALREADY_ISSUED over SOLD_OUT for a holder', () => {
    expect(decide(coupon({ issuedQuantity: 10 }), true, 1500)).toEqual({ outcome: 'REJECTED', reason: 'ALREADY_ISSUED' });
  });
  it('rejects as SOLD_OUT once the quantity is issued', () => {
    expect(decide(coupon({ issuedQuantity: 10 }), false, 1500)).toEqual({ outcome: 'REJECTED', reason: 'SOLD_OUT' });
    expect(decide(coupon({ totalQuantity: 0 }), false, 1500)).toEqual({ outcome: 'REJECTED', reason: 'SOLD_OUT' });
  });
});
