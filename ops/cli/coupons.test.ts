import { describe, expect, it } from 'vitest';
import { renderCoupon, renderCouponList, windowState, type CouponView } from './coupons.ts';

const AT = Date.parse('2026-03-01T12:00:00Z');
const coupon: CouponView = {
  id: 7,
  name: 'Spring flash sale, 10 % off everything in store',
  totalQuantity: 500,
  issued: 480,
  startsAt: AT - 3_600_000,
  endsAt: AT + 3_600_000,
  rejected: 1510,
  failed: 2,
  window: 'open',
  gate: { open: true, reserved: 500, requesters: 500 },
  pending: 18,
};

describe('windowState', () => {
  it('is upcoming before the start, ended from the end on, open between (and forever without an end)', () => {
    expect(windowState({ startsAt: AT + 1, endsAt: null }, AT)).toBe('upcoming');
    expect(windowState({ startsAt: AT, endsAt: AT + 1 }, AT)).toBe('open');
    expect(windowState({ startsAt: AT - 2, endsAt: AT }, AT)).toBe('ended');
    expect(windowState({ startsAt: AT - 2, endsAt: null }, AT + 1e12)).toBe('open');
  });
});

describe('renderCouponList', () => {
  it('is a table with the gate, pending requests and window', () => {
    const missing: CouponView = { ...coupon, id: 12, name: 'x', issued: 0, rejected: 0, failed: 0, window: 'ended', endsAt: AT, gate: { open: false, reserved: 0, requesters: 0 }, pending: 0 };
    expect(renderCouponList([missing, coupon], 'coupon-processor')).toBe(
      [
        'ID  NAME                          QUANTITY  ISSUED  GATE     RESERVED  PENDING  WINDOW  STARTS                ENDS',
        '12  x                                  500       0  MISSING         0        0  ended   2026-03-01T11:00:00Z  2026-03-01T12:00:00Z',
        ' 7  Spring flash sale, 10 % off…       500     480  open          500       18  open    2026-03-01T11:00:00Z  2026-03-01T13:00:00Z',
        '(RESERVED: units the gate handed out; PENDING: requests in Kafka not yet committed by group coupon-processor)',
      ].join('\n'),
    );
    expect(renderCouponList([], 'g')).toBe('no coupons');
  });
});

describe('renderCoupon', () => {
  it('lists every figure', () => {
    expect(renderCoupon(coupon, 'coupon-processor')).toBe(
      [
        'coupon:           7 "Spring flash sale, 10 % off everything in store"',
        'window:           open: 2026-03-01T11:00:00Z → 2026-03-01T13:00:00Z',
        'quantity:         500',
        'issued:           480',
        'rejected:         1,510',
        'failed:           2',
        'gate:             open',
        'gate reserved:    500',
        'gate remaining:   0',
        'gate requesters:  500',
        "pending requests: 18 (in Kafka above group coupon-processor's committed offsets)",
      ].join('\n'),
    );
  });

  it('says when the gate is missing and what restores it', () => {
    const text = renderCoupon({ ...coupon, endsAt: null, gate: { open: false, reserved: 0, requesters: 0 } }, 'g');
    expect(text).toMatch(/window: +open: 2026-03-01T11:00:00Z → open-ended/);
    expect(text).toMatch(/gate: +MISSING \(the gateway answers 503 GATE_NOT_OPEN for it; gate rebuild restores it\)/);
    expect(text).toMatch(/gate remaining: +-/);
  });
});
