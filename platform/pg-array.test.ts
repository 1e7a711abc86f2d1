import { describe, expect, it } from 'vitest';
import { pgArray } from './pg-array.ts';

describe('pgArray', () => {
  it('writes the elements unquoted, comma-separated, in braces', () => {
    expect(pgArray([1, 42, 9_007_199_254_740_991])).toBe('{1,42,9007199254740991}');
    expect(pgArray(['0193a5b0-7c1e-7d2a-9f00-000000000001', '8f1c2d3e-4b5a-8c6d-9e0f-000000000002'])).toBe('{0193a5b0-7c1e-7d2a-9f00-000000000001,8f1c2d3e-4b5a-8c6d-9e0f-000000000002}');
  });

  it('writes an empty array as {}', () => {
    expect(pgArray([])).toBe('{}');
  });
});
