import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PendingReleases } from './pending-releases.ts';

const log = pino({ level: 'silent' });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('PendingReleases', () => {
  it('keeps retrying until the release takes effect (the reserve ran late)', async () => {
    const answers = [false, new Error('timeout'), false, true];
    const release = vi.fn(async () => {
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return next ?? false;
    });
    const releases = new PendingReleases(release, { giveUpAfterMs: 60_000, maxPending: 10, baseDelayMs: 100, maxDelayMs: 1000 }, log);
    expect(await releases.start(1, 2, 'e')).toBe(false);
    expect(releases.size).toBe(1);
    await vi.advanceTimersByTimeAsync(100 + 200 + 400);
    expect(release).toHaveBeenCalledTimes(4);
    expect(releases.size).toBe(0);
  });

  it('gives up after the bound, and leaves requests beyond the cap to the reconciler', async () => {
    const release = vi.fn(async () => false);
    const releases = new PendingReleases(release, { giveUpAfterMs: 1000, maxPending: 1, baseDelayMs: 100, maxDelayMs: 400 }, log);
    await releases.start(1, 2, 'a');
    await releases.start(1, 3, 'b');
    expect(releases.size).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(releases.size).toBe(0);
    // a: first try, then 100, 200, 400 (700 ms) — the next 400 would pass the 1000 ms bound; b: first try only.
    expect(release).toHaveBeenCalledTimes(5);
  });

  it('answers at once when the first try releases', async () => {
    const releases = new PendingReleases(async () => true, { giveUpAfterMs: 1000, maxPending: 1 }, log);
    expect(await releases.start(1, 2, 'a')).toBe(true);
    expect(releases.size).toBe(0);
  });
});
