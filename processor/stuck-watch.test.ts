import { describe, expect, it } from 'vitest';
import { StuckWatch } from './stuck-watch.ts';

describe('StuckWatch', () => {
  it('counts from the last outcome while units are in flight', () => {
    const watch = new StuckWatch();
    watch.begin(1000);
    expect(watch.stuckFor(4000)).toBe(3000);
    watch.outcome(5000);
    expect(watch.stuckFor(6000)).toBe(1000);
  });

  it('is never stuck with nothing in flight, and starts afresh when work starts after a pause', () => {
    const watch = new StuckWatch();
    expect(watch.stuckFor(10_000)).toBe(0);
    watch.begin(1000);
    watch.end();
    expect(watch.stuckFor(50_000)).toBe(0);
    watch.begin(60_000);
    expect(watch.stuckFor(61_000)).toBe(1000);
  });

  it('does not count a back-off, an outcome at its end', () => {
    const watch = new StuckWatch();
    watch.begin(1000);
    watch.outcome(1000 + 5000);
    expect(watch.stuckFor(3000)).toBe(0);
    expect(watch.stuckFor(8000)).toBe(2000);
  });

  it('keeps counting while any of several partitions is still in flight', () => {
    const watch = new StuckWatch();
    watch.begin(1000);
    watch.begin(2000);
    watch.end();
    expect(watch.stuckFor(9000)).toBe(8000);
  });
});
