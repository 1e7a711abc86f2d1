import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { WatermarkCache } from './watermarks.ts';

describe('WatermarkCache', () => {
  it('learns partitions on first use and reads them on refresh', async () => {
    const published = new Map([
      [0, 41],
      [3, 7],
    ]);
    const reads: number[] = [];
    const cache = new WatermarkCache(async (p) => {
      reads.push(p);
      return published.get(p);
    }, pino({ level: 'silent' }));

    expect(cache.get(0)).toBeUndefined();
    expect(cache.get(5)).toBeUndefined();
    await cache.refresh();
    expect(reads.sort()).toEqual([0, 5]);
    expect([cache.get(0), cache.get(5)]).toEqual([41, undefined]);

    published.set(0, 90);
    expect(cache.get(3)).toBeUndefined();
    await cache.refresh();
    expect([cache.get(0), cache.get(3)]).toEqual([90, 7]);
  });

  it('keeps the last known value when a read fails', async () => {
    let fail = false;
    const cache = new WatermarkCache(async () => {
      if (fail) throw new Error('Redis is down');
      return 12;
    }, pino({ level: 'silent' }));
    cache.get(1);
    await cache.refresh();
    fail = true;
    await cache.refresh();
    expect(cache.get(1)).toBe(12);
  });
});
