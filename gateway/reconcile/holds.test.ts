import { describe, expect, it } from 'vitest';
import { settleable, settlementOf } from './holds.ts';

describe('settleable', () => {
  it('keeps holds at least the bound old', () => {
    const holds = [
      { eventId: 'a', userId: 1, heldAt: 1000 },
      { eventId: 'b', userId: 2, heldAt: 5000 },
    ];
    expect(settleable(holds, 11_000, 6000).map((h) => h.eventId)).toEqual(['a', 'b']);
    expect(settleable(holds, 10_999, 6000).map((h) => h.eventId)).toEqual(['a']);
  });
});

describe('settlementOf', () => {
  it('confirms on any evidence, releases without', () => {
    expect(settlementOf({ eventId: 'a', userId: 1 }, new Set(['a']), new Set())).toBe('confirm');
    expect(settlementOf({ eventId: 'a', userId: 1 }, new Set(), new Set(['a']))).toBe('confirm');
    expect(settlementOf({ eventId: 'a', userId: 1 }, new Set(['b']), new Set(['c']))).toBe('release');
  });
});
