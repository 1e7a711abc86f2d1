import { describe, expect, it } from 'vitest';
import { redisKeys } from '../schemas/redis-keys.ts';
import type { LedgerOutcome } from './ledger.ts';
import { TERMINAL_OUTCOMES } from '../schemas/outcomes.ts';
import { packStatus, statusCalls } from './status-publisher.ts';

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

describe('statusCalls', () => {
  it('makes one call per coupon, keeping the decision order within each', () => {
    const calls = statusCalls([outcome(1, 10), outcome(2, 20), outcome(1, 11)]);
    expect(calls.map((c) => c.keys)).toEqual([
      [redisKeys.status(1, 10), redisKeys.status(1, 11)],
      [redisKeys.status(2, 20)],
    ]);
  });

  it('passes one packed status per key: the outcome\'s initial, the event id, a tab, the user coupon id or the reason', () => {
    const [call] = statusCalls([outcome(1, 10, { outcome: 'ISSUED', reason: null, userCouponId: 77 }), outcome(1, 11), outcome(1, 12, { outcome: 'FAILED', reason: 'INVALID_FIELD: a\tb' })]);
    expect(call!.args).toEqual(['Ie-1-10\t77', 'Re-1-11\tSOLD_OUT', 'Fe-1-12\tINVALID_FIELD: a\tb']);
  });

  it('names every terminal outcome by a distinct initial (the script maps it back)', () => {
    expect(new Set(TERMINAL_OUTCOMES.map((o) => packStatus(outcome(1, 1, { outcome: o }))[0])).size).toBe(TERMINAL_OUTCOMES.length);
  });

  it('splits a coupon\'s statuses into calls of at most the given size, in order', () => {
    const calls = statusCalls([1, 2, 3, 4, 5].map((u) => outcome(1, u)), 2);
    expect(calls.map((c) => c.keys.length)).toEqual([2, 2, 1]);
    expect(calls.flatMap((c) => c.keys)).toEqual([1, 2, 3, 4, 5].map((u) => redisKeys.status(1, u)));
    expect(calls.every((c) => c.args.length === c.keys.length)).toBe(true);
  });

  it('keeps a user\'s two outcomes in one call in their order (the script keeps ISSUED over a later rejection)', () => {
    const [call] = statusCalls([outcome(1, 10, { outcome: 'ISSUED', reason: null, userCouponId: 5 }), outcome(1, 10, { eventId: 'again', reason: 'ALREADY_ISSUED' })]);
    expect(call!.args.map((a) => a[0])).toEqual(['I', 'R']);
  });
});
