import { describe, expect, it } from 'vitest';
import { decidedBelow, newProgress, progressLine, RESETTLE_MS, settleDue, type SettleClock } from './grant-progress.ts';

describe('decidedBelow', () => {
  it('counts the batches at or below their partition watermark', () => {
    const batches = [
      { partition: 1, offset: 10, count: 5 },
      { partition: 1, offset: 20, count: 7 },
      { partition: 2, offset: 3, count: 2 },
    ];
    expect(decidedBelow(batches, new Map([[1, 10]]))).toBe(5);
    expect(decidedBelow(batches, new Map([[1, 25], [2, 3]]))).toBe(14);
    expect(decidedBelow(batches, new Map())).toBe(0);
  });
});

describe('progressLine', () => {
  it('shows counts, the rate and the ETA of the remaining lines while reading', () => {
    const p = { ...newProgress(0, 1000), lines: 250, users: 250, reserved: 250, produced: 250, decided: 250 };
    expect(progressLine(p, 5000)).toBe('read 250/1,000 (0 invalid), reserved 250, produced 250, decided 250 | 50 users/s, ETA 15s');
  });

  it('shows the decisions\' ETA once uploaded, and no ETA without a total while reading', () => {
    const uploaded = { ...newProgress(0), lines: 100, users: 100, reserved: 90, refused: 10, produced: 90, decided: 45, uploadedAt: 1000 };
    expect(progressLine(uploaded, 10_000)).toBe('read 100 (0 invalid), reserved 90, refused 10, produced 90, decided 45 | 10 users/s, ETA 10s');
    expect(progressLine({ ...newProgress(0), lines: 10, users: 10 }, 1000)).toMatch(/ETA \?$/);
  });
});

describe('settleDue', () => {
  const clock = (over: Partial<SettleClock>): SettleClock => ({ now: 0, allDecided: false, settledAllDecided: false, lastSettleAt: 0, lastSettleMs: 0, lastAdvanceAt: 0, ...over });

  it('leaves the ledger alone while the watermarks move, however long the processor takes', () => {
    for (let now = 0; now <= 120_000; now += 250) expect(settleDue(clock({ now, lastAdvanceAt: now - 250 }), 10_000)).toBe(false);
  });

  it('asks the ledger once the watermarks stood still for the interval (they may lag), no sooner than four settles apart', () => {
    expect(settleDue(clock({ now: 9_999, lastAdvanceAt: 0 }), 10_000)).toBe(false);
    expect(settleDue(clock({ now: 10_000, lastAdvanceAt: 0 }), 10_000)).toBe(true);
    expect(settleDue(clock({ now: 20_000, lastAdvanceAt: 0, lastSettleAt: 10_000, lastSettleMs: 3_000 }), 10_000)).toBe(false);
    expect(settleDue(clock({ now: 22_000, lastAdvanceAt: 0, lastSettleAt: 10_000, lastSettleMs: 3_000 }), 10_000)).toBe(true);
  });

  it('asks the ledger as soon as the watermarks show everything decided, then every few seconds while it still has pending users', () => {
    expect(settleDue(clock({ now: 1_000, lastAdvanceAt: 1_000, allDecided: true }), 10_000)).toBe(true);
    const settled = { allDecided: true, settledAllDecided: true, lastSettleAt: 1_000, lastAdvanceAt: 1_000 };
    expect(settleDue(clock({ ...settled, now: 1_000 + RESETTLE_MS - 1 }), 10_000)).toBe(false);
    expect(settleDue(clock({ ...settled, now: 1_000 + RESETTLE_MS }), 10_000)).toBe(true);
  });
});
