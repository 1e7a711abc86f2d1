import { describe, expect, it } from 'vitest';
import { MALFORMED, planSale } from './flash-sale.ts';

describe('planSale', () => {
  it('sends every user once, in order, with the malformed requests spread evenly', () => {
    const plan = planSale(42, 100, 4);
    expect(plan).toHaveLength(104);
    const users = plan.filter((r) => r.kind === 'first').map((r) => JSON.parse(r.body).userId);
    expect(users).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(plan.flatMap((r, i) => (r.kind === 'malformed' ? [i] : []))).toEqual([25, 51, 77, 103]);
    expect(plan.filter((r) => r.kind === 'first').every((r) => r.path === '/api/coupons/42/issue')).toBe(true);
  });

  it('uses every malformed variant in turn', () => {
    const plan = planSale(7, 10, MALFORMED.length + 1).filter((r) => r.kind === 'malformed');
    expect(plan.map((r) => r.body)).toEqual([...MALFORMED.map((m) => m.body), MALFORMED[0]!.body]);
    expect(plan.map((r) => r.path)).toContain('/api/coupons/abc/issue');
  });

  it('plans only users when nothing is malformed', () => {
    expect(planSale(1, 3, 0).map((r) => r.kind)).toEqual(['first', 'first', 'first']);
  });
});
