import { describe, expect, it } from 'vitest';
import { batchReserveOutcome, reserveOutcome } from './gate.ts';

describe('reserveOutcome', () => {
  it.each([
    [1, 'RESERVED'],
    [-1, 'COUPON_NOT_FOUND'],
    [-2, 'COUPON_NOT_ACTIVE'],
    [-3, 'ALREADY_REQUESTED'],
    [-4, 'SOLD_OUT'],
  ])('%i -> %s', (code, outcome) => {
    expect(reserveOutcome(code)).toBe(outcome);
  });

  it('refuses codes the script never returns', () => {
    expect(() => reserveOutcome(0)).toThrow(/never should/);
  });
});

describe('batchReserveOutcome', () => {
  it('reads 2 as HELD and every other code as for a request', () => {
    expect(batchReserveOutcome(2)).toBe('HELD');
    expect([1, -1, -2, -3, -4].map(batchReserveOutcome)).toEqual(['RESERVED', 'COUPON_NOT_FOUND', 'COUPON_NOT_ACTIVE', 'ALREADY_REQUESTED', 'SOLD_OUT']);
    expect(() => batchReserveOutcome(3)).toThrow(/never should/);
  });
});
