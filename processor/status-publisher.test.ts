import { describe, expect, it } from 'vitest';
import { redisKeys } from '../schemas/redis-keys.ts';
import type { LedgerOutcome } from './ledger.ts';
import { decide } from './outcome-rules.ts';
import { replacesAnyStatus, statusCalls } from './status-publisher.ts';

const outcome = (couponId: number, userId: number, extra: Partial<LedgerOutcome> = {}): LedgerOutcome => ({
  eventId: `e-${couponId}-${userId}`,
  couponId,
  userId,
  outcome: 'REJECTED',
  reason: 'SOLD_OUT',
  userCouponId: null,
  partition: 0,
  offset: userId,
  requestedAt: 1,
  decidedAt: 2,
  ...extra,
});

describe('replacesAnyStatus', () => {
  it('writes ISSUED, SOLD_OUT and COUPON_NOT_FOUND unread, and guards the outcomes that may concern a user holding the coupon', () => {
    expect(replacesAnyStatus({ outcome: 'ISSUED', reason: null })).toBe(true);
    expect(replacesAnyStatus({ outcome: 'REJECTED', reason: 'SOLD_OUT' })).toBe(true);
    expect(replacesAnyStatus({ outcome: 'REJECTED', reason: 'COUPON_NOT_FOUND' })).toBe(true);
    expect(replacesAnyStatus({ outcome: 'REJECTED', reason: 'ALREADY_ISSUED' })).toBe(false);
    expect(replacesAnyStatus({ outcome: 'REJECTED', reason: 'COUPON_NOT_ACTIVE' })).toBe(false);
    expect(replacesAnyStatus({ outcome: 'FAILED', reason: 'INVALID_FIELD: userId' })).toBe(false);
  });

  it('guards every decision the rules can make for a user who already holds the coupon', () => {
    const windows = [
      { totalQuantity: 5, issuedQuantity: 1, startsAt: 0, endsAt: null },
      { totalQuantity: 5, issuedQuantity: 5, startsAt: 0, endsAt: null },
      { totalQuantity: 5, issuedQuantity: 1, startsAt: 0, endsAt: 10 },
      { totalQuantity: 5, issuedQuantity: 5, startsAt: 100, endsAt: null },
    ];
    const decisions = windows.flatMap((coupon) => [decide(coupon, true, 50), decide(coupon, true, 5)]);
    expect(new Set(decisions.map((d) => (d.outcome === 'REJECTED' ? d.reason : d.outcome)))).toEqual(new Set(['ALREADY_ISSUED', 'COUPON_NOT_ACTIVE']));
    for (const d of decisions) expect(replacesAnyStatus({ outcome: d.outcome, reason: d.outcome === 'REJECTED' ? d.reason : null })).toBe(false);
  });
});

describe('statusCalls', () => {
  it('makes one call per coupon, keeping the decision order within each', () => {
    const calls = statusCalls([outcome(1, 10), outcome(2, 20), outcome(1, 11)]);
    expect(calls.map((c) => [c.key, c.fields.filter((_, i) => i % 2 === 0)])).toEqual([
      [redisKeys.statuses(1), ['10', '11']],
      [redisKeys.statuses(2), ['20']],
    ]);
  });

  it('passes each user id with its packed status', () => {
    const [call] = statusCalls([outcome(1, 10, { outcome: 'ISSUED', reason: null, userCouponId: 77 }), outcome(1, 11)]);
    expect(call!.fields).toEqual(['10', 'Ie-1-10\t77', '11', 'Re-1-11\tSOLD_OUT']);
    expect(call!.guarded).toBe(false);
  });

  it('splits a coupon\'s statuses into calls of at most the given size, in order', () => {
    const calls = statusCalls([1, 2, 3, 4, 5].map((u) => outcome(1, u)), 2);
    expect(calls.map((c) => c.fields.length / 2)).toEqual([2, 2, 1]);
    expect(calls.flatMap((c) => c.fields.filter((_, i) => i % 2 === 0))).toEqual(['1', '2', '3', '4', '5']);
  });

  it('starts a new call where guarded and unguarded outcomes alternate, so a user\'s statuses keep their order', () => {
    const calls = statusCalls([
      outcome(1, 10, { outcome: 'ISSUED', reason: null, userCouponId: 5 }),
      outcome(1, 11),
      outcome(1, 10, { eventId: 'again', reason: 'ALREADY_ISSUED' }),
      outcome(1, 12),
    ]);
    expect(calls.map((c) => [c.guarded, c.fields.filter((_, i) => i % 2 === 0)])).toEqual([
      [false, ['10', '11']],
      [true, ['10']],
      [false, ['12']],
    ]);
  });
});
