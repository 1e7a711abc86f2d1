import { describe, expect, it } from 'vitest';
import type { CouponReconciliation } from '../../gateway/reconcile/reconciler.ts';
import { gateReport, renderGateReport } from './gate.ts';

const coupon = (over: Partial<CouponReconciliation>): CouponReconciliation => ({
  couponId: 1,
  gateOpen: true,
  actual: { reserved: 2, requesters: [1, 2] },
  expected: { reserved: 2, requesters: [1, 2] },
  drift: undefined,
  holds: 0,
  settled: { confirmed: 0, released: 0 },
  fix: 'not-needed',
  stalePending: { found: 0, cleared: 0 },
  ...over,
});

describe('gateReport', () => {
  it('counts coupons whose drift remains, and those that kept moving', () => {
    const drift = { reserved: { actual: 3, expected: 2 }, missing: [], phantom: [9] };
    const report = gateReport([
      coupon({}),
      coupon({ couponId: 2, drift, fix: 'not-asked' }),
      coupon({ couponId: 3, drift, fix: 'applied' }),
      coupon({ couponId: 4, drift, fix: 'busy' }),
      coupon({ couponId: 5, gateOpen: false, fix: 'not-asked' }),
      coupon({ couponId: 6, stalePending: { found: 2, cleared: 0 } }),
      coupon({ couponId: 7, stalePending: { found: 2, cleared: 2 } }),
    ]);
    expect([report.drifted, report.busy]).toEqual([4, 1]);
    expect(report.coupons[1]).toMatchObject({ reserved: { actual: 2, expected: 2 }, phantom: [9], phantomCount: 1, missingCount: 0 });
  });
});

describe('renderGateReport', () => {
  it('shows changes as actual -> expected and shortens long user lists', () => {
    const missing = [1, 2, 3, 4, 5, 6, 7];
    const text = renderGateReport(
      gateReport([coupon({ couponId: 42, gateOpen: false, actual: { reserved: 0, requesters: [] }, expected: { reserved: 7, requesters: missing }, drift: { reserved: { actual: 0, expected: 7 }, missing, phantom: [] }, settled: { confirmed: 1, released: 2 }, fix: 'applied' })]),
      'rebuilt',
    );
    expect(text).toMatch(/^1 coupons rebuilt: every gate matches Postgres and Kafka/);
    expect(text).toMatch(/42\s+missing\s+0 -> 7\s+0 -> 7\s+1 2 3 4 5 \(\+2\)\s+-\s+0\s+1 confirmed, 2 released\s+-\s+applied/);
  });

  it('prints a coupon id as an id, without a thousands separator (what --coupon takes)', () => {
    expect(renderGateReport(gateReport([coupon({ couponId: 6343 })]), 'reconciled')).toMatch(/^\s*6343\s+open/m);
  });
});
