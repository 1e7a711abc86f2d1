import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { EventIds } from './event-id.ts';

const timestampOf = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('EventIds', () => {
  it('makes valid version 7 UUIDs carrying the time', () => {
    const id = new EventIds().next(1_764_300_000_123);
    expect(validate(id)).toBe(true);
    expect(version(id)).toBe(7);
    expect(timestampOf(id)).toBe(1_764_300_000_123);
  });

  it('never repeats and never goes backwards, also within one millisecond and when the clock steps back', () => {
    const ids = new EventIds();
    const made = [...Array.from({ length: 3000 }, () => ids.next(1000)), ids.next(999), ids.next(2000), ids.next(1500)];
    expect(new Set(made).size).toBe(made.length);
    expect([...made].sort()).toEqual(made);
    expect(timestampOf(made.at(-1)!)).toBe(2000);
  });

  it('draws fresh randomness after the pool is used up', () => {
    const ids = new EventIds();
    const made = Array.from({ length: 5000 }, (_, i) => ids.next(i));
    expect(new Set(made.map((id) => id.slice(-12))).size).toBe(made.length);
  });
});
