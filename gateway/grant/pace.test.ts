import { describe, expect, it } from 'vitest';
import { Pace, pacedBatchSize } from './pace.ts';

describe('Pace', () => {
  it('lets a batch in once the users before it have had their share of the rate', () => {
    const pace = new Pace(1000, 10_000);
    expect(pace.delayFor(200, 10_000)).toBe(0);
    // 200 users at 1,000/s take 200 ms: the next batch waits until 10,200.
    expect(pace.delayFor(200, 10_050)).toBe(150);
    expect(pace.delayFor(200, 10_400)).toBe(0);
  });

  it('makes up no lost time with a burst: after a late batch the next one still waits its share', () => {
    const pace = new Pace(100, 0);
    expect(pace.delayFor(50, 0)).toBe(0);
    // The previous batch was due to end at 500; this one comes late and goes at once...
    expect(pace.delayFor(50, 2_000)).toBe(0);
    // ...and the one right behind it waits for its 500 ms.
    expect(pace.delayFor(50, 2_000)).toBe(500);
  });
});

describe('pacedBatchSize', () => {
  it('keeps the batch size of an unpaced grant and cuts a paced one to a fifth of a second', () => {
    expect(pacedBatchSize(5000, undefined)).toBe(5000);
    expect(pacedBatchSize(5000, 1000)).toBe(200);
    expect(pacedBatchSize(5000, 100_000)).toBe(5000);
    expect(pacedBatchSize(5000, 3)).toBe(1);
  });
});
