import { describe, expect, it } from 'vitest';
import { reserveOutcome } from './gate.ts';

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
