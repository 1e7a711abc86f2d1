import { describe, expect, it } from 'vitest';
import type { CommittedOutputs } from '../verify/invariants.ts';
import { recordCounts, tallyOutcomes } from './tally.ts';

const accepted = ['a', 'b', 'c', 'd'].map((eventId, i) => ({ couponId: 1, userId: i + 1, eventId }));
const outputs = {
  issued: [{ eventId: 'a' }, { eventId: 'b' }, { eventId: 'b' }, { eventId: 'x' }],
  rejected: [{ eventId: 'c' }],
  deadLetters: [{ eventId: null }],
} as unknown as CommittedOutputs;

describe('recordCounts', () => {
  it('counts the committed records of each accepted request only', () => {
    expect(Object.fromEntries(recordCounts(accepted, outputs))).toEqual({ a: 1, b: 2, c: 1, d: 0 });
  });
});

describe('tallyOutcomes', () => {
  it('issued from the ledger; lost without outcome or without record; doubled with two records', () => {
    const ledger = [
      { eventId: 'a', couponId: 1, userId: 1, outcome: 'ISSUED' as const, reason: null },
      { eventId: 'b', couponId: 1, userId: 2, outcome: 'ISSUED' as const, reason: null },
      { eventId: 'd', couponId: 1, userId: 4, outcome: 'REJECTED' as const, reason: 'SOLD_OUT' },
    ];
    // c: record but no outcome; d: outcome but no record
    expect(tallyOutcomes(accepted, ledger, outputs)).toEqual({ issued: 2, lost: 2, doubled: 1, doubledRecords: 1 });
  });
});
