import { describe, expect, it } from 'vitest';
import { causeLabel, couponLabel, NOT_A_COUPON, UNKNOWN_CAUSE } from './dead-letter-labels.ts';

describe('dead-letter labels', () => {
  it('keeps coupon ids and maps any other key to one value', () => {
    expect(couponLabel(Buffer.from('42'))).toBe('42');
    expect(couponLabel('9007199254740993')).toBe('9007199254740993');
    for (const key of [null, undefined, '', '0', '-1', '042', 'abc', 'x'.repeat(30), Buffer.from([0xff, 0x00]), '1'.repeat(20)]) {
      expect(couponLabel(key)).toBe(NOT_A_COUPON);
    }
  });

  it('keeps error types and maps anything else to UNKNOWN', () => {
    expect(causeLabel('WRONG_MAGIC_BYTE')).toBe('WRONG_MAGIC_BYTE');
    expect(causeLabel('UNPROCESSABLE')).toBe('UNPROCESSABLE');
    for (const cause of [undefined, '', 'lower', 'A'.repeat(65), 'WITH SPACE']) expect(causeLabel(cause)).toBe(UNKNOWN_CAUSE);
  });
});
