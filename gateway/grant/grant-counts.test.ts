import { describe, expect, it } from 'vitest';
import { grantCounts, grantStatus } from './grant-counts.ts';

describe('grantCounts', () => {
  it('sums result keys into outcome counts', () => {
    const counts = grantCounts([
      { result: 'ISSUED', count: 5 },
      { result: 'REJECTED:ALREADY_ISSUED', count: 2 },
      { result: 'REFUSED:SOLD_OUT', count: 3 },
      { result: 'REFUSED:ALREADY_REQUESTED', count: 1 },
      { result: 'FAILED', count: 1 },
      { result: 'PENDING', count: 4 },
    ]);
    expect(counts).toEqual({ users: 16, issued: 5, rejected: { ALREADY_ISSUED: 2 }, failed: 1, refused: { SOLD_OUT: 3, ALREADY_REQUESTED: 1 }, pending: 4 });
    expect(() => grantCounts([{ result: 'MAYBE', count: 1 }])).toThrow(/unknown grant result/);
  });

  it('is DONE once uploaded with nothing pending', () => {
    expect(grantStatus(true, grantCounts([{ result: 'ISSUED', count: 1 }]))).toBe('DONE');
    expect(grantStatus(false, grantCounts([{ result: 'ISSUED', count: 1 }]))).toBe('RUNNING');
    expect(grantStatus(true, grantCounts([{ result: 'PENDING', count: 1 }]))).toBe('RUNNING');
  });
});
