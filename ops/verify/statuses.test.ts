import { describe, expect, it } from 'vitest';
import { i5Result, isSettled, StatusTracker, type StatusAnswer } from './statuses.ts';

const request = (userId: number, eventId = `e${userId}`) => ({ couponId: 7, userId, eventId });

describe('isSettled', () => {
  it('needs a terminal status of the same request', () => {
    expect(isSettled(request(1), { status: 'ISSUED', eventId: 'e1' })).toBe(true);
    expect(isSettled(request(1), { status: 'REJECTED', eventId: 'e1' })).toBe(true);
    expect(isSettled(request(1), { status: 'FAILED', eventId: 'e1' })).toBe(true);
    expect(isSettled(request(1), { status: 'PENDING', eventId: 'e1' })).toBe(false);
    expect(isSettled(request(1), { status: 'NOT_REQUESTED' })).toBe(false);
    expect(isSettled(request(1), { status: 'ISSUED', eventId: 'other' })).toBe(false);
    expect(isSettled(request(1), undefined)).toBe(false);
  });
});

describe('StatusTracker', () => {
  it('drops settled requests, keeps pending and unanswered ones, and reports them as stuck at the deadline', async () => {
    const statuses = new Map<number, StatusAnswer | Error>([
      [1, { status: 'ISSUED', eventId: 'e1' }],
      [2, { status: 'PENDING', eventId: 'e2' }],
      [3, new Error('gateway down')],
    ]);
    const tracker = new StatusTracker(async (_c, userId) => {
      const s = statuses.get(userId);
      if (s instanceof Error) throw s;
      return s;
    });
    for (const u of [1, 2, 3]) tracker.add(request(u));

    const stuck = await tracker.settle(Date.now() - 1);

    expect(stuck.map((r) => r.userId)).toEqual([2, 3]);
    expect([tracker.total, tracker.unsettled]).toEqual([3, 2]);
  });

  it('sweeps only the oldest requests that are old enough, up to the limit', async () => {
    let now = 1000;
    const asked: number[] = [];
    const tracker = new StatusTracker(
      async (_c, userId) => {
        asked.push(userId);
        return { status: 'ISSUED', eventId: `e${userId}` };
      },
      4,
      () => now,
    );
    tracker.add(request(1));
    tracker.add(request(2));
    now = 5000;
    tracker.add(request(3));
    await tracker.sweep(10, 2000);
    expect(asked.sort()).toEqual([1, 2]);
    await tracker.sweep(10, 0);
    expect(tracker.unsettled).toBe(0);
  });

  it('settles once a later round sees the terminal status', async () => {
    let rounds = 0;
    const tracker = new StatusTracker(async () => (++rounds >= 3 ? { status: 'REJECTED', eventId: 'e1' } : { status: 'PENDING', eventId: 'e1' }));
    tracker.add(request(1));
    expect(await tracker.settle(Date.now() + 10_000, 1)).toEqual([]);
  });
});

describe('i5Result', () => {
  it('holds only without stuck requests and names a few of them', () => {
    expect(i5Result(10, []).held).toBe(true);
    const failed = i5Result(10, [request(4)]);
    expect(failed.held).toBe(false);
    expect(failed.detail).toContain('1 not terminal in time: coupon 7 user 4 (e4)');
  });
});
