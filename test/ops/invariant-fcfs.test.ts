/**
 * I4 (first come, first served) judged on ledger rows written here directly: a SOLD_OUT counts
 * against the coupon when any ISSUED of the same coupon lies after it in (partition, offset) order.
 */
import { v7 as uuidv7 } from 'uuid';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../../ops/verify/invariants.ts';
import { createCoupon, pool } from '../support/requests.ts';

type Row = ['ISSUED' | 'SOLD_OUT', number, number];

/** Writes ledger rows for a fresh coupon: each is an outcome at (partition, offset). */
async function couponWith(db: pg.Pool, rows: Row[]): Promise<number> {
  const coupon = await createCoupon(db, rows.length);
  for (const [i, [outcome, partition, offset]] of rows.entries()) {
    const eventId = uuidv7();
    let userCouponId: string | null = null;
    if (outcome === 'ISSUED') {
      const { rows: uc } = await db.query<{ id: string }>(
        'INSERT INTO user_coupons (coupon_id, user_id, event_id, requested_at, issued_at) VALUES ($1, $2, $3, now(), now()) RETURNING id',
        [coupon, i + 1, eventId],
      );
      userCouponId = uc[0]!.id;
      await db.query('UPDATE coupons SET issued_quantity = issued_quantity + 1 WHERE id = $1', [coupon]);
    }
    await db.query(
      `INSERT INTO issue_outcomes (event_id, coupon_id, user_id, outcome, reason, user_coupon_id, source_partition, source_offset, requested_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())`,
      [eventId, coupon, i + 1, outcome === 'ISSUED' ? 'ISSUED' : 'REJECTED', outcome === 'ISSUED' ? null : 'SOLD_OUT', userCouponId, partition, offset],
    );
  }
  return coupon;
}

async function i4(db: pg.Pool, coupons: number[]) {
  return (await checkInvariants(db, coupons, [], { issued: [], rejected: [], deadLetters: [] })).find((r) => r.name === 'I4')!;
}

describe('I4: first come, first served', () => {
  let db: pg.Pool;
  beforeAll(() => {
    db = pool();
  });
  afterAll(() => db.end());

  it('holds when every SOLD_OUT comes after the last ISSUED of its coupon', async () => {
    const ok = await couponWith(db, [['ISSUED', 2, 10], ['ISSUED', 2, 11], ['SOLD_OUT', 2, 12], ['SOLD_OUT', 3, 0]]);
    const soldOutOnly = await couponWith(db, [['SOLD_OUT', 1, 5]]);
    expect(await i4(db, [ok, soldOutOnly])).toMatchObject({ held: true, detail: '0 SOLD_OUT requests ahead of an issued one' });
  });

  it('counts every SOLD_OUT ahead of an ISSUED of the same coupon, by partition then offset', async () => {
    // (1,99) and (2,3) lie before the ISSUED at (2,4); (2,5) after it; the other coupon's ISSUED does not count.
    const late = await couponWith(db, [['SOLD_OUT', 1, 99], ['SOLD_OUT', 2, 3], ['ISSUED', 2, 4], ['SOLD_OUT', 2, 5]]);
    const other = await couponWith(db, [['SOLD_OUT', 0, 1], ['ISSUED', 0, 0]]);
    expect(await i4(db, [late, other])).toMatchObject({ held: false, detail: '2 SOLD_OUT requests ahead of an issued one' });
  });
});
