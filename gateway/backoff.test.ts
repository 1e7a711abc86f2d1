import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, 100, 500))).toEqual([100, 200, 400, 500, 500]);
    expect(backoffDelay(1000, 100, 500)).toBe(500);
  });
});
