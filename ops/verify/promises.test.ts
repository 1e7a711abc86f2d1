import { describe, expect, it } from 'vitest';
import type { IssueAnswer } from './client-answers.ts';
import { brokenPromises, i7Result, lockedOut, settleUnaccepted, settlementOf, unsettledUsers, type LedgerRow } from './promises.ts';

const answer = (userId: number, status: number, extra: Partial<IssueAnswer> = {}): IssueAnswer => ({ couponId: 7, userId, status, ...extra });
const row = (userId: number, eventId: string, outcome: LedgerRow['outcome'], reason: string | null = null): LedgerRow => ({ couponId: 7, userId, eventId, outcome, reason });

describe('brokenPromises', () => {
  it('finds accepted requests decided SOLD_OUT and refused requests that were issued', () => {
    const answers = [
      answer(1, 202, { eventId: 'a' }),
      answer(2, 202, { eventId: 'b' }),
      answer(3, 503, { code: 'KAFKA_UNAVAILABLE' }),
      answer(4, 503, { code: 'REDIS_UNAVAILABLE' }),
      // refused first, accepted on a retry: the retry's coupon is promised
      answer(5, 503, { code: 'KAFKA_UNAVAILABLE' }),
      answer(5, 202, { eventId: 'e' }),
    ];
    const ledger = [row(1, 'a', 'ISSUED'), row(2, 'b', 'REJECTED', 'SOLD_OUT'), row(3, 'c', 'ISSUED'), row(4, 'd', 'REJECTED', 'SOLD_OUT'), row(5, 'e', 'ISSUED')];
    const broken = brokenPromises(answers, ledger);
    expect(broken.acceptedSoldOut).toEqual([{ couponId: 7, userId: 2, eventId: 'b' }]);
    expect(broken.refusedIssued.map((a) => a.userId)).toEqual([3]);
  });
});

describe('settlementOf', () => {
  it('reads a probe: accepted or refused for quantity/window is released; ALREADY_REQUESTED without an outcome is held', () => {
    expect(settlementOf(answer(1, 409, { code: 'ALREADY_REQUESTED' }), true)).toBe('decided');
    expect(settlementOf(answer(1, 202, { eventId: 'x' }), false)).toBe('released');
    expect(settlementOf(answer(1, 409, { code: 'SOLD_OUT' }), false)).toBe('released');
    expect(settlementOf(answer(1, 409, { code: 'COUPON_NOT_ACTIVE' }), false)).toBe('released');
    expect(settlementOf(answer(1, 409, { code: 'ALREADY_REQUESTED' }), false)).toBe('held');
    expect(settlementOf(answer(1, 503, { code: 'REDIS_UNAVAILABLE' }), false)).toBe('unknown');
    expect(settlementOf(answer(1, 0, { code: 'ECONNREFUSED' }), false)).toBe('unknown');
  });
});

describe('unsettledUsers', () => {
  it('keeps users with only unaccepted answers, one each, preferring the OUTCOME_UNKNOWN answer', () => {
    const users = unsettledUsers([
      answer(1, 202, { eventId: 'a' }),
      answer(1, 503),
      answer(2, 503, { code: 'REDIS_UNAVAILABLE' }),
      answer(2, 504, { code: 'OUTCOME_UNKNOWN' }),
      answer(3, 0, { code: 'ECONNRESET' }),
      answer(4, 409, { code: 'SOLD_OUT' }),
      answer(5, 0, { code: 'ECONNREFUSED' }),
    ]);
    expect(users.map((u) => [u.userId, u.code])).toEqual([
      [2, 'OUTCOME_UNKNOWN'],
      [3, 'ECONNRESET'],
    ]);
  });
});

describe('settleUnaccepted', () => {
  it('settles decided users without probing, releases accepted probes (new promises) and reports the held ones as locked out', async () => {
    const users = [answer(1, 504, { code: 'OUTCOME_UNKNOWN' }), answer(2, 503), answer(3, 0), answer(4, 504, { code: 'OUTCOME_UNKNOWN' })];
    const probed: number[] = [];
    const result = await settleUnaccepted(
      users,
      async (_c, userId) => {
        probed.push(userId);
        if (userId === 2) return answer(2, 202, { eventId: 'p2' });
        return answer(userId, 409, { code: 'ALREADY_REQUESTED' });
      },
      async () => new Set(['7:1']),
      Date.now() - 1,
    );
    expect(probed.sort()).toEqual([2, 3, 4]);
    expect(result.probesAccepted).toEqual([{ couponId: 7, userId: 2, eventId: 'p2' }]);
    expect(Object.fromEntries(result.settlements)).toEqual({ '7:1': 'decided', '7:2': 'released', '7:3': 'held', '7:4': 'held' });
    const locked = lockedOut(users, result.settlements);
    expect(locked.map((u) => u.userId)).toEqual([3, 4]);

    const i7 = i7Result({ acceptedSoldOut: [], refusedIssued: [] }, locked);
    expect(i7.held).toBe(false);
    expect(i7.detail).toContain('1 OUTCOME_UNKNOWN left locked out');
  });

  it('keeps probing until a held user is released', async () => {
    let calls = 0;
    const result = await settleUnaccepted(
      [answer(1, 503)],
      async () => (++calls < 3 ? answer(1, 409, { code: 'ALREADY_REQUESTED' }) : answer(1, 409, { code: 'SOLD_OUT' })),
      async () => new Set(),
      Date.now() + 10_000,
      1,
    );
    expect(result.settlements.get('7:1')).toBe('released');
    expect(calls).toBe(3);
  });
});

describe('i7Result', () => {
  it('holds when no promise is broken and nothing unknown stays locked', () => {
    expect(i7Result({ acceptedSoldOut: [], refusedIssued: [] }, [answer(3, 503)]).held).toBe(true);
    expect(i7Result({ acceptedSoldOut: [{ couponId: 7, userId: 1, eventId: 'a' }], refusedIssued: [] }, []).held).toBe(false);
    expect(i7Result({ acceptedSoldOut: [], refusedIssued: [answer(2, 503)] }, []).held).toBe(false);
  });
});
