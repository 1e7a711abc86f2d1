import { describe, expect, it } from 'vitest';
import { decidedBelow, newProgress, progressLine } from './grant-progress.ts';

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
