import { describe, expect, it } from 'vitest';
import { percentile, round, steadyRate } from './stats.ts';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose

  it('takes the q·n-th smallest value', () => {
    expect(percentile(hundred, 0.5)).toBe(50);
    expect(percentile(hundred, 0.99)).toBe(99);
    expect(percentile(hundred, 1)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
  });

  it('handles one value, and no values', () => {
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('rounds the rank up: p99 of 10 values is the largest', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });

  it('refuses a quantile outside 0..1', () => {
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
  });
});

describe('steadyRate', () => {
  it('measures between the first samples at 10 % and at 90 % of the total', () => {
    // A slow start (0 for 2 s), then 1000/s, then a slow tail.
    const samples = [
      { at: 1000, done: 0 },
      { at: 3000, done: 0 },
      { at: 4000, done: 1000 },
      { at: 5000, done: 2000 },
      { at: 12_000, done: 9000 },
      { at: 13_000, done: 9500 },
      { at: 20_000, done: 10_000 },
    ];
    const rate = steadyRate(samples, 10_000, 0);
    expect(rate).toEqual({ perSecond: 1000, steady: true, units: 8000, seconds: 8 });
  });

  it('falls back to the whole run when one step covers the window', () => {
    const samples = [
      { at: 1000, done: 0 },
      { at: 1500, done: 2000 },
    ];
    expect(steadyRate(samples, 2000, 500)).toEqual({ perSecond: 2000, steady: false, units: 2000, seconds: 1 });
  });

  it('fails when the total is never reached', () => {
    expect(() => steadyRate([{ at: 1, done: 5 }], 10, 0)).toThrow(RangeError);
  });
});

describe('round', () => {
  it('keeps the given decimals', () => {
    expect(round(12.345, 1)).toBe(12.3);
    expect(round(12.355, 2)).toBe(12.36);
    expect(round(12.5, 0)).toBe(13);
  });
});
