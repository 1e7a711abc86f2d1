import { describe, expect, it } from 'vitest';
import { decidedOutcomes, undecidedEvents, type DecidedRow } from './ledger.ts';
import type { StagedRequest } from './plan.ts';

const staged = (eventId: string, offset: number, userId = 7): StagedRequest => ({
  eventId,
  couponId: 3,
  userId,
  requestedAt: 1_000 + offset,
  partition: 2,
  offset,
  failure: null,
  replay: false,
  fromGrant: false,
});

const row = (offset: number, extra: Partial<DecidedRow> = {}): DecidedRow => ({
  source_partition: '2',
  source_offset: String(offset),
  outcome: 'REJECTED',
  user_coupon_id: null,
  reason: 'SOLD_OUT',
  ...extra,
});

describe('decidedOutcomes', () => {
  it('completes each written outcome from the request staged at its source position', () => {
    const requests = [staged('a', 10, 1), staged('b', 11, 2)];
    const out = decidedOutcomes(requests, [row(11, { outcome: 'ISSUED', user_coupon_id: '42', reason: null })], 5000);
    expect(out).toEqual([
      { eventId: 'b', couponId: 3, userId: 2, outcome: 'ISSUED', reason: null, userCouponId: 42, partition: 2, offset: 11, requestedAt: 1011, decidedAt: 5000 },
    ]);
  });

  it('refuses an outcome at a position that was not staged', () => {
    expect(() => decidedOutcomes([staged('a', 10)], [row(99)], 5000)).toThrow(/not staged/);
  });

  it('refuses an outcome at the staged offset of another partition', () => {
    expect(() => decidedOutcomes([staged('a', 10)], [{ ...row(10), source_partition: '5' }], 5000)).toThrow(/not staged/);
  });
});

describe('undecidedEvents', () => {
  it('names each staged event without a written outcome once', () => {
    const requests = [staged('a', 10), staged('b', 11), staged('b', 12), staged('c', 13)];
    const decided = decidedOutcomes(requests, [row(10)], 5000);
    expect(undecidedEvents(requests, decided)).toEqual(['b', 'c']);
  });

  it('names none when every staged request has its outcome', () => {
    const requests = [staged('a', 10), staged('b', 11)];
    expect(undecidedEvents(requests, decidedOutcomes(requests, [row(10), row(11)], 5000))).toEqual([]);
  });
});
