import { describe, expect, it } from 'vitest';
import { faultCount, planFaults, QUICK_KINDS, RECOVERING_KINDS, type FaultKind } from './plan.ts';
import { Random } from './random.ts';

const ALL = new Set<FaultKind>([...QUICK_KINDS, ...RECOVERING_KINDS]);

describe('faultCount', () => {
  it('gives a full 20-minute run at least 100 processor kills, and a short run a few of each kind', () => {
    expect(faultCount('processor_kill', 20)).toBeGreaterThanOrEqual(100);
    for (const kind of ALL) expect(faultCount(kind, 3)).toBeGreaterThanOrEqual(1);
    expect(faultCount('processor_kill', 3)).toBeGreaterThanOrEqual(4);
  });
});

describe('planFaults', () => {
  it('puts quick and recovering kinds on their lanes, in time order, inside the window', () => {
    const plan = planFaults(new Random(7), 20, ALL, 10_000, 30_000);
    expect(new Set(plan.quick.map((f) => f.kind))).toEqual(new Set(QUICK_KINDS));
    expect(new Set(plan.recovering.map((f) => f.kind))).toEqual(new Set(RECOVERING_KINDS));
    for (const lane of [plan.quick, plan.recovering]) {
      expect(lane.map((f) => f.atMs)).toEqual([...lane.map((f) => f.atMs)].sort((a, b) => a - b));
      for (const f of lane) {
        expect(f.atMs).toBeGreaterThanOrEqual(10_000);
        expect(f.atMs).toBeLessThan(20 * 60_000 - 30_000);
      }
    }
    expect(plan.quick.filter((f) => f.kind === 'processor_kill').length).toBe(faultCount('processor_kill', 20));
  });

  it('is the same plan for the same seed and leaves out kinds the run cannot inject', () => {
    const kinds = new Set<FaultKind>([...ALL].filter((k) => k !== 'redis_data_loss'));
    const a = planFaults(new Random(3), 4, kinds, 5000, 5000);
    expect(planFaults(new Random(3), 4, kinds, 5000, 5000)).toEqual(a);
    expect(a.recovering.some((f) => f.kind === 'redis_data_loss')).toBe(false);
  });
});
