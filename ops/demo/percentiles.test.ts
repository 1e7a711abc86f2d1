import { describe, expect, it } from 'vitest';
import { latencyStats, percentile } from './percentiles.ts';

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('takes the nearest rank', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([1, 2], 50)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
  });

  it('refuses no values and percentiles outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('latencyStats', () => {
  it('sorts numerically before ranking', () => {
    expect(latencyStats([10, 9, 100, 2.5, 1])).toEqual({ count: 5, p50Ms: 9, p99Ms: 100, maxMs: 100 });
  });

  it('is null for no values', () => {
    expect(latencyStats([])).toBeNull();
  });
});
