import { describe, expect, it } from 'vitest';
import { couponFigures } from './admin.ts';

const coupon = { id: 3, name: 'x', totalQuantity: 10, startsAt: Date.parse('2030-01-01T00:00:00Z'), endsAt: null, createdAt: Date.parse('2029-12-31T00:00:00Z') };

describe('couponFigures', () => {
  it('combines the gate counters and the ledger totals', () => {
    expect(couponFigures({ coupon, issued: 4, rejected: 1, failed: 1, decided: 6 }, { primed: true, reserved: 9 })).toEqual({
      id: 3,
      name: 'x',
      totalQuantity: 10,
      startsAt: '2030-01-01T00:00:00.000Z',
      endsAt: null,
      createdAt: '2029-12-31T00:00:00.000Z',
      gateOpen: true,
      reserved: 9,
      remaining: 1,
      issued: 4,
      pending: 3,
      rejected: 1,
      failed: 1,
    });
  });

  it('never reports negative figures', () => {
    expect(couponFigures({ coupon, issued: 2, rejected: 0, failed: 0, decided: 2 }, { primed: false, reserved: 0 })).toMatchObject({ pending: 0, remaining: 10, gateOpen: false });
  });
});
