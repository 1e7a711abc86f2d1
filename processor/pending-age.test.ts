import { describe, expect, it } from 'vitest';
import { PendingAge } from './pending-age.ts';

describe('PendingAge', () => {
  it('is 0 while everything produced is committed', () => {
    const age = new PendingAge();
    expect(age.observe(1000, 10, 10)).toBe(0);
    expect(age.observe(2000, 10, 10)).toBe(0);
  });

  it('counts from the last sample that saw nothing pending', () => {
    const age = new PendingAge();
    age.observe(1000, 10, 10);
    expect(age.observe(2000, 15, 10)).toBe(1);
    expect(age.observe(5000, 20, 10)).toBe(4);
    // The records up to 15 are committed: what is pending now was produced after the 2 s sample.
    expect(age.observe(6000, 20, 15)).toBe(4);
    expect(age.observe(7000, 20, 20)).toBe(0);
    expect(age.observe(9000, 21, 20)).toBe(2);
  });

  it('counts a backlog found at start-up from the first sample', () => {
    const age = new PendingAge();
    expect(age.observe(1000, 100, 0)).toBe(0);
    expect(age.observe(4000, 100, 50)).toBe(3);
  });
});
