import { describe, expect, it } from 'vitest';
import type { CouponIssueDeadLetter } from '../../schemas/contracts.ts';
import type { DeadLetterEntry } from './dead-letters.ts';
import { eventIdOf, planReplay, replayHeaders, replayKey } from './dlq-replay.ts';

const letter = (over: Partial<CouponIssueDeadLetter> = {}): CouponIssueDeadLetter => ({
  eventId: null,
  sourceTopic: 'coupon-issue-requests',
  sourcePartition: 3,
  sourceOffset: 120,
  key: Buffer.from('42'),
  value: Buffer.from([0, 0, 0, 0, 1, 2]),
  headers: [],
  errorType: 'UNPROCESSABLE',
  errorMessage: 'refused',
  attempts: 1,
  failedAt: 1000,
  ...over,
});
const entry = (over: Partial<DeadLetterEntry> = {}): DeadLetterEntry => ({
  partition: 0,
  offset: 17,
  writtenAt: 1000,
  letter: letter(),
  letterProblem: null,
  original: { kind: 'request', schemaId: 1, request: { eventId: '01a2-request', couponId: 42, userId: 7, requestedAt: 900 } },
  couponId: 42,
  ...over,
});

describe('planReplay', () => {
  it('replays curable causes and refuses permanent ones unless forced', () => {
    const entries = [entry(), entry({ offset: 18, letter: letter({ errorType: 'WRONG_MAGIC_BYTE' }), original: { kind: 'bytes', problem: 'x' } })];
    expect(planReplay(entries, false).map((i) => i.refused)).toEqual([null, expect.stringMatching(/^permanent cause WRONG_MAGIC_BYTE: .*--force/)]);
    expect(planReplay(entries, true).map((i) => i.refused)).toEqual([null, null]);
  });

  it('never replays a dead letter it cannot read', () => {
    const [item] = planReplay([entry({ letter: null, letterProblem: 'MALFORMED_BODY: short' })], true);
    expect(item!.refused).toMatch(/the dead letter itself cannot be decoded \(MALFORMED_BODY: short\)/);
  });
});

describe('eventIdOf', () => {
  it('is the dead letter\'s event id, else the decoded request\'s', () => {
    expect(eventIdOf(entry({ letter: letter({ eventId: 'from-letter' }) }))).toBe('from-letter');
    expect(eventIdOf(entry())).toBe('01a2-request');
    expect(eventIdOf(entry({ original: { kind: 'none' } }))).toBeNull();
  });
});

describe('replayKey', () => {
  it('is the original key, or the coupon id of a request that lost it', () => {
    expect(replayKey(entry())).toEqual(Buffer.from('42'));
    expect(replayKey(entry({ letter: letter({ key: null }) }))).toEqual(Buffer.from('42'));
    expect(replayKey(entry({ letter: letter({ key: null }), original: { kind: 'none' } }))).toBeNull();
  });
});

describe('replayHeaders', () => {
  it('keeps the original headers and names the dead letter, replacing an earlier replay mark', () => {
    const headers = replayHeaders(
      entry({
        letter: letter({
          headers: [
            { key: 'origin', value: Buffer.from('a') },
            { key: 'origin', value: Buffer.from('b') },
            { key: 'coupon-replayed-from', value: Buffer.from('0:3') },
            { key: 'empty', value: null },
          ],
        }),
      }),
    );
    expect(headers).toEqual({ origin: [Buffer.from('a'), Buffer.from('b')], 'coupon-replayed-from': [Buffer.from('0:17')] });
  });
});
