import { describe, expect, it } from 'vitest';
import { recordKey } from './record-key.ts';

describe('recordKey()', () => {
  it('is the coupon id as decimal text, as every producer in any language must write it', () => {
    expect(recordKey(21)).toBe('21');
    expect(Buffer.from(recordKey(9_007_199_254_740_991))).toEqual(Buffer.from('9007199254740991', 'utf8'));
  });
});
