import { describe, expect, it } from 'vitest';
import { KnownCoupons } from './known-coupons.ts';

describe('KnownCoupons', () => {
  it('asks once for a coupon that exists, every time for one that does not', async () => {
    const asked: number[] = [];
    const coupons = new KnownCoupons(async (id) => (asked.push(id), id === 7));
    expect([await coupons.has(7), await coupons.has(7), await coupons.has(8), await coupons.has(8)]).toEqual([true, true, false, false]);
    expect(asked).toEqual([7, 8, 8]);
  });

  it('keeps at most maxKept ids, starting over when full', async () => {
    const asked: number[] = [];
    const coupons = new KnownCoupons(async (id) => (asked.push(id), true), 2);
    for (const id of [1, 2, 3, 1]) await coupons.has(id);
    expect(asked).toEqual([1, 2, 3, 1]);
  });

  it('passes a failed lookup on: without the database nobody can say the coupon does not exist', async () => {
    const coupons = new KnownCoupons(() => Promise.reject(new Error('connection refused')));
    await expect(coupons.has(7)).rejects.toThrow('connection refused');
  });
});
