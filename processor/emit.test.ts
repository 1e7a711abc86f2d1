import { describe, expect, it } from 'vitest';
import { TOPICS } from '../schemas/topics.ts';
import { collectOutputs } from './emit.ts';
import type { LedgerOutcome } from './ledger.ts';
import type { BatchPlan, StagedRequest } from './plan.ts';

const E1 = '0190a000-0000-7000-8000-000000000001';
const E2 = '0190a000-0000-7000-8000-000000000002';
const staged = (eventId: string, offset: number, failure: string | null = null): StagedRequest => ({ eventId, couponId: 7, userId: 3, requestedAt: 10, partition: 0, offset, failure, replay: false, fromGrant: false });
const outcome = (eventId: string, offset: number, over: Partial<LedgerOutcome>): LedgerOutcome => ({
  eventId, couponId: 7, userId: 3, outcome: 'ISSUED', reason: null, userCouponId: 99, partition: 0, offset, requestedAt: 10, decidedAt: 20, ...over,
});
const plan = (s: StagedRequest[]): BatchPlan => ({
  staged: s,
  deadLetters: [],
  sources: new Map(s.map((x) => [x, { topic: TOPICS.requests, partition: x.partition, offset: x.offset, key: Buffer.from('7'), value: Buffer.from([0, 1]), headers: [], timestamp: 0 }])),
});

describe('collectOutputs', () => {
  it('maps outcomes to issued, rejected and dead-letter records keyed by coupon', () => {
    const out = collectOutputs(
      plan([staged(E1, 1), staged(E2, 2, 'INVALID_FIELD: userId -1 is bad')]),
      [outcome(E1, 1, {}), outcome(E2, 2, { outcome: 'FAILED', reason: 'INVALID_FIELD: userId -1 is bad', userCouponId: null })],
      30,
    );
    expect(out.records.map((r) => r.topic)).toEqual([TOPICS.issued, TOPICS.dlq]);
    expect(out.records[0]).toMatchObject({ key: '7', value: { eventId: E1, userCouponId: 99, issuedAt: 20 } });
    expect(out.records[1]!.value).toMatchObject({ eventId: E2, errorType: 'INVALID_FIELD', errorMessage: 'userId -1 is bad', sourceOffset: 2 });
    expect(out.counts).toMatchObject({ issued: 1, failed: 1 });
  });
  it('emits nothing for a second delivery of an event the ledger decided at another offset', () => {
    const out = collectOutputs(plan([staged(E1, 5)]), [outcome(E1, 1, { outcome: 'REJECTED', reason: 'SOLD_OUT', userCouponId: null })], 30);
    expect(out.records).toEqual([]);
    expect(out.counts.duplicate).toBe(1);
  });
  it("queues every outcome's status for Redis but a bulk grant's, which the gateway answers from the ledger", () => {
    const out = collectOutputs(plan([staged(E1, 1), { ...staged(E2, 2), fromGrant: true }]), [outcome(E1, 1, {}), outcome(E2, 2, {})], 30);
    expect(out.emitted.map((o) => o.eventId)).toEqual([E1, E2]);
    expect(out.statuses.map((o) => o.eventId)).toEqual([E1]);
  });
  it('refuses a staged event without a ledger outcome', () => {
    expect(() => collectOutputs(plan([staged(E1, 1)]), [], 30)).toThrow(/no outcome/);
  });
});
