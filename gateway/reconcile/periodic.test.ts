import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RedisLock } from './lock.ts';
import { passLockMs, PeriodicReconciler, type PassResult } from './periodic.ts';
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
const ignore = { settled: () => undefined, rebuilt: () => undefined, drift: () => undefined, pass: () => undefined };
const heldByAnother = { withLock: async () => false } as unknown as RedisLock;

/** A reconciler whose first settling never returns (a call Redis, Kafka or Postgres never answers); the later ones do. */
function hangingOnce(): { reconciler: Reconciler; settles: () => number } {
  let settles = 0;
  const fake = {
    settleHolds: () => (++settles === 1 ? new Promise<never>(() => undefined) : Promise.resolve(new Map())),
    rebuildMissingGates: async () => [],
    measureDrift: async () => new Map(),
  };
  return { reconciler: fake as unknown as Reconciler, settles: () => settles };
}

/** Runs a periodic reconciler for `ms`, then stops it; returns the reported pass results. */
async function passesOver(reconciler: Reconciler, lock: RedisLock, ms: number): Promise<PassResult[]> {
  const passes: PassResult[] = [];
  const periodic = new PeriodicReconciler(reconciler, lock, { ...ignore, pass: (r) => passes.push(r) }, pino({ level: 'silent' }));
  periodic.start(INTERVAL_MS, 0);
  await vi.advanceTimersByTimeAsync(ms);
  await periodic.stop();
  return passes;
}

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

  it('leaves a pass that never returns behind once its lock expired, and goes on with new passes', async () => {
    const { reconciler, settles } = hangingOnce();
    const lockMs = passLockMs(INTERVAL_MS);
    const passes = await passesOver(reconciler, freeLock, lockMs + 5 * INTERVAL_MS);
    expect(passes[0]).toBe('abandoned');
    expect(passes.slice(1)).toEqual(Array(passes.length - 1).fill('completed'));
    expect(passes.length).toBeGreaterThanOrEqual(5);
    expect(settles()).toBe(passes.length);
  });

  it('reports the passes another instance holds the lock for as skipped, and a failing pass as failed', async () => {
    const { reconciler } = hangingOnce();
    expect(await passesOver(reconciler, heldByAnother, 3 * INTERVAL_MS)).toEqual(['skipped', 'skipped', 'skipped']);
    const failing = { settleHolds: async () => Promise.reject(new Error('Redis is down')) } as unknown as Reconciler;
    expect(await passesOver(failing, freeLock, 2 * INTERVAL_MS)).toEqual(['failed', 'failed']);
  });
});
