import { describe, expect, it } from 'vitest';
import { grantFile, planGrants } from './grants.ts';
import { Random } from './random.ts';

describe('grantFile', () => {
  it('lists every user once in a scrambled order, with repeated users and malformed lines', () => {
    const file = grantFile(1000, 3000);
    expect(file.lines[0]).toBe('userId');
    expect(new Set(file.users).size).toBe(3000);
    expect(Math.min(...file.users)).toBe(1000);
    expect(Math.max(...file.users)).toBe(3999);
    expect(file.users.slice(0, 3)).not.toEqual([1000, 1001, 1002]);
    const ids = file.lines.slice(1).filter((l) => /^\d+$/.test(l));
    expect(ids.length - 3000).toBe(60);
    expect(file.invalid).toBe(3);
    expect(file.lines.length).toBe(1 + 3000 + 60 + 3);
    // Its distinct users in line order: each user where it first appears.
    expect([...new Set(ids.map(Number))]).toEqual(file.users);
  });
});

describe('planGrants', () => {
  it('plans at least two grants inside the window, alternating coupons, the same for a seed', () => {
    const plan = planGrants(new Random(7), 2.5, 15_000, 20_000);
    expect(plan.length).toBe(2);
    expect(plan.filter((g) => g.ownCoupon).length).toBe(1);
    for (const g of plan) {
      expect(g.atMs).toBeGreaterThanOrEqual(15_000);
      expect(g.atMs).toBeLessThan(130_000);
    }
    expect(planGrants(new Random(7), 2.5, 15_000, 20_000)).toEqual(plan);
    expect(planGrants(new Random(1), 20, 15_000, 20_000).length).toBe(14);
  });
});
