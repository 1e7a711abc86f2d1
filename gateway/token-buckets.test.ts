import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './token-buckets.ts';

describe('TokenBuckets', () => {
  it('lets a burst through, then one request per refill interval, and says how long to wait', () => {
    const buckets = new TokenBuckets({ perSecond: 2, burst: 3 }, 100);
    expect([0, 0, 0].map(() => buckets.take('a', 1000))).toEqual([0, 0, 0]);
    expect(buckets.take('a', 1000)).toBe(0.5);
    expect(buckets.take('a', 1250)).toBeCloseTo(0.25);
    expect(buckets.take('a', 1500)).toBe(0);
    expect(buckets.take('a', 1500)).toBe(0.5);
  });

  it('keeps clients apart', () => {
    const buckets = new TokenBuckets({ perSecond: 1, burst: 1 }, 100);
    expect(buckets.take('a', 0)).toBe(0);
    expect(buckets.take('a', 0)).toBeGreaterThan(0);
    expect(buckets.take('b', 0)).toBe(0);
  });

  it('never holds more than the burst, and a clock that steps back refills nothing', () => {
    const buckets = new TokenBuckets({ perSecond: 10, burst: 2 }, 100);
    buckets.take('a', 0);
    expect([buckets.take('a', 60_000), buckets.take('a', 60_000), buckets.take('a', 60_000)]).toEqual([0, 0, 0.1]);
    expect(buckets.take('a', 59_000)).toBeCloseTo(0.1);
  });

  it('forgets clients whose bucket is full again', () => {
    const buckets = new TokenBuckets({ perSecond: 1, burst: 2 }, 100);
    buckets.take('idle', 0);
    buckets.take('busy', 1500);
    buckets.sweep(2000);
    expect(buckets.size).toBe(1);
  });

  it('stays within maxClients, forgetting the oldest when every client is active', () => {
    const buckets = new TokenBuckets({ perSecond: 1, burst: 5 }, 10);
    for (let i = 0; i < 25; i++) buckets.take(`client ${i}`, 0);
    expect(buckets.size).toBeLessThanOrEqual(10);
    // The newest client is still known: its bucket lost the token it took.
    for (let i = 0; i < 4; i++) expect(buckets.take('client 24', 0)).toBe(0);
    expect(buckets.take('client 24', 0)).toBeGreaterThan(0);
  });
});
