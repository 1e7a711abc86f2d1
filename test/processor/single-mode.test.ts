/**
 * Single mode's Postgres side against a zombie: two instances deciding the same request at the
 * same moment. The coupon row lock comes before the ledger read, so the second finds the first's
 * outcome instead of inserting the event twice (a unique violation — a data error — that would
 * dead-letter a good request).
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyOne } from '../../processor/ledger-single.ts';
import type { StagedRequest } from '../../processor/plan.ts';
import { eventually } from '../support/eventually.ts';
import { createCoupon, pool, request } from '../support/requests.ts';

describe('single mode with a zombie deciding the same request', () => {
  let db: pg.Pool;

  beforeAll(() => {
    db = pool();
  });

  afterAll(async () => {
    await db.end();
  });

  it('gives both instances the same outcome and inserts it once', async () => {
    const coupon = await createCoupon(db, 5);
    const r = request(coupon, 1);
    const staged: StagedRequest = { ...r, partition: 0, offset: 1, failure: null, replay: false, fromGrant: false };
    const [holder, a, b] = await Promise.all([db.connect(), db.connect(), db.connect()]);
    try {
      // Hold the coupon so both instances start their transaction before either can decide.
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM coupons WHERE id = $1 FOR UPDATE', [coupon]);
      const decisions = [applyOne(a, staged), applyOne(b, staged)];
      await eventually(async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM coupons WHERE id = $1 FOR UPDATE%'`,
        );
        return rows[0]!.n >= 2;
      }, 10_000, 20);
      await holder.query('COMMIT');
      const [first, second] = await Promise.all(decisions);
      expect(first).toEqual(second);
      expect(first!.outcome).toBe('ISSUED');
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM user_coupons WHERE event_id = $1', [r.eventId]);
      expect(rows[0]!.n).toBe(1);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      for (const c of [holder, a, b]) c.release();
    }
  });
});
