import { describe, expect, it } from 'vitest';
import type { ScaleStep } from './report.ts';
import { scalePlan, scaleRatio } from './scale.ts';

describe('scalePlan', () => {
  it('spreads even a small input over enough coupons for every partition, half of each coupon winning', () => {
    expect(scalePlan(3000)).toEqual({ coupons: 120, quantity: 12 });
    expect(scalePlan(1_000_000)).toEqual({ coupons: 500, quantity: 1000 });
  });
});

describe('scaleRatio', () => {
  const step = (processors: number, records_per_s: number): ScaleStep => ({
    processors,
    records: 1000,
    records_per_s,
    steady: true,
    drain_s: 1,
    machine_cores: 2,
    cores_by_role: {},
    cpu_us_per_record: {},
    bound_by: 'machine CPU',
  });
  it('is the 3-processor rate over the 1-processor rate', () => {
    expect(scaleRatio([step(1, 10_000), step(2, 14_000), step(3, 15_000)])).toBe(1.5);
  });
  it('is null without both ends', () => {
    expect(scaleRatio([step(1, 10_000), step(2, 14_000)])).toBeNull();
    expect(scaleRatio([])).toBeNull();
  });
});
