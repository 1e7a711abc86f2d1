import { describe, expect, it } from 'vitest';
import { driftOf, expectedAccounting } from './accounting.ts';

const r = (eventId: string, userId: number) => ({ eventId, userId });

describe('expectedAccounting', () => {
  it('counts issued, pending and held requests once each by event id; rejected units come back', () => {
    const decided = [
      { ...r('a', 1), outcome: 'ISSUED' as const },
      { ...r('b', 2), outcome: 'REJECTED' as const },
      { ...r('c', 3), outcome: 'FAILED' as const },
    ];
    // d is pending and held (its confirm was lost); a is pending and decided (offsets not committed yet).
    const pending = [r('a', 1), r('d', 4), r('e', 5)];
    const holds = [r('d', 4), r('f', 6), r('b', 2)];
    expect(expectedAccounting(decided, pending, holds)).toEqual({ reserved: 4, requesters: [1, 2, 3, 4, 5, 6] });
  });

  it('is empty for a coupon nobody asked for', () => {
    expect(expectedAccounting([], [], [])).toEqual({ reserved: 0, requesters: [] });
  });
});

describe('driftOf', () => {
  it('names missing and phantom users and the counter', () => {
    expect(driftOf({ reserved: 3, requesters: [1, 9] }, { reserved: 2, requesters: [1, 2] })).toEqual({ reserved: { actual: 3, expected: 2 }, missing: [2], phantom: [9] });
  });

  it('is undefined when the gate matches', () => {
    expect(driftOf({ reserved: 2, requesters: [1, 2] }, { reserved: 2, requesters: [1, 2] })).toBeUndefined();
  });
});
