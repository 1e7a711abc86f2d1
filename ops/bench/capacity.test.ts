import { describe, expect, it } from 'vitest';
import { capacityStep } from './capacity.ts';

const step = (concurrency: number, rps: number, p99_ms: number) => ({ concurrency, rps, p99_ms });

describe('capacityStep', () => {
  it('takes the highest rate whose p99 is within the bound', () => {
    const steps = [step(100, 10_757, 19), step(200, 13_621, 30), step(300, 14_654, 47)];
    expect(capacityStep(steps, 30)).toBe(steps[1]);
  });

  it('does not take a faster load whose p99 is over the bound, nor a slower one within it', () => {
    const steps = [step(100, 9_000, 12), step(150, 12_500, 31), step(200, 11_800, 28)];
    expect(capacityStep(steps, 30)).toBe(steps[2]);
  });

  it('takes the lowest p99 when every load misses the bound', () => {
    const steps = [step(100, 5_000, 45), step(200, 6_000, 60)];
    expect(capacityStep(steps, 30)).toBe(steps[0]);
  });

  it('refuses an empty sweep', () => {
    expect(() => capacityStep([], 30)).toThrow(RangeError);
  });
});
