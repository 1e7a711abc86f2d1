import { describe, expect, it } from 'vitest';
import { driftOf, expectedAccounting, expectedReserved } from './accounting.ts';

const r = (eventId: string, userId: number) => ({ eventId, userId });

// d is pending and held (its confirm was lost); a is pending and decided (offsets not committed yet).
const decided = [
  { ...r('a', 1), outcome: 'ISSUED' as const },
  { ...r('b', 2), outcome: 'REJECTED' as const },
  { ...r('c', 3), outcome: 'FAILED' as const },
  { ...r('g', 7), outcome: 'ISSUED' as const },
];
const pending = [r('a', 1), r('d', 4), r('e', 5)];
const holds = [r('d', 4), r('f', 6), r('b', 2)];

describe('expectedAccounting', () => {
  it('counts issued, pending and held requests once each by event id; rejected units come back', () => {
    expect(expectedAccounting(decided, pending, holds)).toEqual({ reserved: 5, requesters: [1, 2, 3, 4, 5, 6, 7] });
  });

  it('is empty for a coupon nobody asked for', () => {
    expect(expectedAccounting([], [], [])).toEqual({ reserved: 0, requesters: [] });
  });
});

describe('expectedReserved', () => {
  it('equals the full accounting\'s reserved count from the issued count and a lookup of the pending and held ids', () => {
    const issued = decided.filter((d) => d.outcome === 'ISSUED').length;
    const lookedUp = new Set(['a', 'b']);
    expect(expectedReserved(issued, [...pending, ...holds], lookedUp)).toBe(expectedAccounting(decided, pending, holds).reserved);
  });

  it('is the issued count when nothing is pending or held', () => {
    expect(expectedReserved(3, [], new Set())).toBe(3);
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
