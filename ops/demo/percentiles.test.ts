import { describe, expect, it } from 'vitest';
import { latencyStats } from './percentiles.ts';

describe('latencyStats', () => {
  it('takes nearest ranks of the numerically sorted values', () => {
    expect(latencyStats([10, 9, 100, 2.5, 1])).toEqual({ count: 5, p50Ms: 9, p99Ms: 100, maxMs: 100 });
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(latencyStats(hundred)).toEqual({ count: 100, p50Ms: 50, p99Ms: 99, maxMs: 100 });
  });

  it('is null for no values', () => {
    expect(latencyStats([])).toBeNull();
  });
});
