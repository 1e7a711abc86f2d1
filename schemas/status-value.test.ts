import { describe, expect, it } from 'vitest';
import { TERMINAL_OUTCOMES } from './outcomes.ts';
import { packPendingStatus, packTerminalStatus, unpackStatus } from './status-value.ts';

const eventId = '0190f0e2-7a4b-7c3e-9f1a-3b2c1d0e9f8a';
const decided = (outcome: (typeof TERMINAL_OUTCOMES)[number], reason: string | null, userCouponId: number | null) => ({ outcome, eventId, reason, userCouponId });

describe('status values', () => {
  it('packs a decided request as its initial, the event id, a tab, then the user coupon id or the reason', () => {
    expect(packTerminalStatus(decided('ISSUED', null, 77))).toBe(`I${eventId}\t77`);
    expect(packTerminalStatus(decided('REJECTED', 'SOLD_OUT', null))).toBe(`R${eventId}\tSOLD_OUT`);
    expect(packTerminalStatus(decided('FAILED', 'INVALID_FIELD: a\tb', null))).toBe(`F${eventId}\tINVALID_FIELD: a\tb`);
  });

  it('unpacks what it packs, a reason with tabs whole', () => {
    expect(unpackStatus(packTerminalStatus(decided('ISSUED', null, 77)))).toEqual({ status: 'ISSUED', eventId, userCouponId: '77' });
    expect(unpackStatus(packTerminalStatus(decided('FAILED', 'INVALID_FIELD: a\tb', null)))).toEqual({ status: 'FAILED', eventId, reason: 'INVALID_FIELD: a\tb' });
    expect(unpackStatus(packPendingStatus(eventId, 1700))).toEqual({ status: 'PENDING', eventId, heldAt: '1700' });
    expect(unpackStatus(packPendingStatus(eventId, 1700, { partition: 3, offset: 120 }))).toEqual({ status: 'PENDING', eventId, heldAt: '1700', partition: '3', offset: '120' });
  });

  it('names every state by a distinct initial', () => {
    const initials = TERMINAL_OUTCOMES.map((o) => packTerminalStatus(decided(o, 'r', 1))[0]);
    expect(new Set([...initials, packPendingStatus(eventId, 1)[0]]).size).toBe(TERMINAL_OUTCOMES.length + 1);
  });

  it('reads nothing from a missing or unreadable value', () => {
    for (const value of [null, undefined, '', 'X-1\t2', `P${eventId}`, 'P\t1']) expect(unpackStatus(value)).toEqual({});
  });
});
