import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RedisLock } from './lock.ts';
import { PeriodicReconciler } from './periodic.ts';
import type { Reconciler } from './reconciler.ts';

const INTERVAL_MS = 1_000;
const CHUNK_MS = 100;

/**
 * A reconciler with an endless backlog of missing gates (Redis lost its data on a database with
 * many live coupons): each rebuilt chunk takes CHUNK_MS, and it goes on while it is let.
 */
function backlogged(): { reconciler: Reconciler; settledAt: number[]; chunks: () => number } {
  const settledAt: number[] = [];
  let chunks = 0;
  const fake = {
    settleHolds: async () => {
      settledAt.push(Date.now());
      return new Map();
    },
    rebuildMissingGates: async (_nowMs: number, goOn: () => boolean) => {
      while (goOn()) {
        await new Promise((resolve) => setTimeout(resolve, CHUNK_MS));
        chunks++;
      }
      return [];
    },
    measureDrift: async () => new Map(),
  };
  return { reconciler: fake as unknown as Reconciler, settledAt, chunks: () => chunks };
}

const freeLock = { withLock: async (_ttlMs: number, work: () => Promise<void>) => (await work(), true) } as unknown as RedisLock;
const ignore = { settled: () => undefined, rebuilt: () => undefined, drift: () => undefined };

describe('PeriodicReconciler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('settles holds every interval while a long rebuild is under way (a 504 promises the settle bound plus one interval)', async () => {
    const { reconciler, settledAt, chunks } = backlogged();
    const periodic = new PeriodicReconciler(reconciler, freeLock, ignore, pino({ level: 'silent' }));
    const start = Date.now();
    periodic.start(INTERVAL_MS, 0);
    await vi.advanceTimersByTimeAsync(10 * INTERVAL_MS);
    const stopped = periodic.stop();
    await vi.advanceTimersByTimeAsync(CHUNK_MS);
    await stopped;

    expect(settledAt.length).toBeGreaterThanOrEqual(9);
    const gaps = settledAt.map((at, i) => at - (i === 0 ? start : settledAt[i - 1]!));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(INTERVAL_MS + CHUNK_MS);
    // The rebuild still gets about half of the time.
    expect(chunks()).toBeGreaterThanOrEqual(40);
  });

  it('stops rebuilding after the current chunk when stopped', async () => {
    const { reconciler, chunks } = backlogged();
    const periodic = new PeriodicReconciler(reconciler, freeLock, ignore, pino({ level: 'silent' }));
    periodic.start(INTERVAL_MS, 0);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS + 2 * CHUNK_MS + 1);
    const stopped = periodic.stop();
    await vi.advanceTimersByTimeAsync(CHUNK_MS);
    await stopped;
    expect(chunks()).toBe(3);
  });
});
