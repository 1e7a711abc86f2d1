import { describe, expect, it } from 'vitest';
import { grantEventId } from '../grant/grant-id.ts';
import { inChunks, parseCounts, parseSnapshot, UnknownGrantCodeError } from './gate-store.ts';

describe('parseSnapshot', () => {
  it('reads seq, counter, gate, requesters and holds from the flat reply', () => {
    expect(parseSnapshot(7, [12, 3, 1, '5', '2', '|', '2:e-2', '1700', 'junk', '1', '5:e-5', '1800', '|'])).toEqual({
      couponId: 7,
      seq: 12,
      reserved: 3,
      gateExists: true,
      requesters: [2, 5],
      holds: [
        { userId: 2, eventId: 'e-2', heldAt: 1700, member: '2:e-2' },
        { userId: 5, eventId: 'e-5', heldAt: 1800, member: '5:e-5' },
      ],
    });
  });

  it('reads an empty gate (Redis lost its data)', () => {
    expect(parseSnapshot(7, [0, 0, 0, '|', '|'])).toEqual({ couponId: 7, seq: 0, reserved: 0, gateExists: false, requesters: [], holds: [] });
  });
});

describe('parseCounts', () => {
  it('reads seq, counter, gate and holds from a reply without requesters', () => {
    expect(parseCounts(7, [12, 3, 1, '|', '2:e-2', '1700', '|'])).toEqual({ couponId: 7, seq: 12, reserved: 3, gateExists: true, holds: [{ userId: 2, eventId: 'e-2', heldAt: 1700, member: '2:e-2' }] });
  });

  it("names a grant's hold by the event id its code's grant gives the user", () => {
    const counts = parseCounts(7, [12, 2, 1, '|', '2:e-2', '1700', '9:#2', '1750', '|', '#', '2', 'g1', '#1', '#1', 'g1', 'big-grant', '#2', '#2', 'big-grant']);
    expect(counts.holds).toEqual([
      { userId: 2, eventId: 'e-2', heldAt: 1700, member: '2:e-2' },
      { userId: 9, eventId: grantEventId(7, 'big-grant', 9, 'grant-user'), heldAt: 1750, member: '9:#2' },
    ]);
  });

  it("stops on a grant's hold whose code it cannot name, rather than guess its request", () => {
    expect(() => parseCounts(7, [12, 1, 1, '|', '9:#3', '1750', '|', '#', '2', '#1', 'g1', '#2', 'g2'])).toThrow(UnknownGrantCodeError);
  });
});

describe('inChunks', () => {
  it('runs at most a chunk at a time and keeps the order of the results', async () => {
    let running = 0;
    let most = 0;
    const results = await inChunks(
      [1, 2, 3, 4, 5],
      async (id) => {
        most = Math.max(most, ++running);
        await Promise.resolve();
        running--;
        return id * 10;
      },
      2,
    );
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(most).toBe(2);
  });
});
