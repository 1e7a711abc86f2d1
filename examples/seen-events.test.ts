import { describe, expect, it } from 'vitest';
import { SeenEvents } from './seen-events.ts';

describe('SeenEvents', () => {
  it('answers true once per event id and false for its repeats', () => {
    const seen = new SeenEvents(10);
    expect(['a', 'b', 'a', 'c', 'b'].map((id) => seen.firstTime(id))).toEqual([true, true, false, true, false]);
  });

  it('forgets the oldest id beyond its capacity', () => {
    const seen = new SeenEvents(2);
    seen.firstTime('a');
    seen.firstTime('b');
    seen.firstTime('c');
    expect(seen.firstTime('a')).toBe(true);
    expect(seen.firstTime('c')).toBe(false);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new SeenEvents(0)).toThrow(RangeError);
  });
});
