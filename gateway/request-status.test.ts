import { describe, expect, it } from 'vitest';
import { grantEventId } from './grant/grant-id.ts';
import { ledgerOverridesPending, pendingNeedsLedger, pendingPartition, viewOfLedgerEntry, viewOfRedisStatus } from './request-status.ts';

const eventId = '01937c1e-0000-7000-8000-000000000001';

describe('viewOfRedisStatus', () => {
  it('is undefined for an empty or unusable hash (ask the ledger)', () => {
    expect(viewOfRedisStatus({}, undefined)).toBeUndefined();
    expect(viewOfRedisStatus({ status: 'WEIRD', eventId }, undefined)).toBeUndefined();
    expect(viewOfRedisStatus({ status: 'ISSUED' }, undefined)).toBeUndefined();
  });

  it('gives a PENDING request its position once its offset is recorded', () => {
    expect(viewOfRedisStatus({ status: 'PENDING', eventId, partition: '3', offset: '120' }, 100)).toEqual({ status: 'PENDING', eventId, position: 20 });
    expect(viewOfRedisStatus({ status: 'PENDING', eventId, partition: '3', offset: '120' }, undefined)).toEqual({ status: 'PENDING', eventId, position: 121 });
    expect(viewOfRedisStatus({ status: 'PENDING', eventId }, undefined)).toEqual({ status: 'PENDING', eventId, position: null });
  });

  it('reads terminal statuses as the processor writes them', () => {
    expect(viewOfRedisStatus({ status: 'ISSUED', eventId, userCouponId: '77', partition: '1', offset: '5' }, 9)).toEqual({ status: 'ISSUED', eventId, userCouponId: 77 });
    expect(viewOfRedisStatus({ status: 'REJECTED', eventId, reason: 'SOLD_OUT' }, undefined)).toEqual({ status: 'REJECTED', eventId, reason: 'SOLD_OUT' });
    expect(viewOfRedisStatus({ status: 'FAILED', eventId, reason: 'poison' }, undefined)).toEqual({ status: 'FAILED', eventId, reason: 'poison' });
  });
});

describe('pendingPartition', () => {
  it('is the partition of a PENDING request only', () => {
    expect(pendingPartition({ status: 'PENDING', eventId, partition: '4', offset: '1' })).toBe(4);
    expect(pendingPartition({ status: 'PENDING', eventId })).toBeUndefined();
    expect(pendingPartition({ status: 'ISSUED', eventId, partition: '4' })).toBeUndefined();
  });
});

describe('viewOfLedgerEntry', () => {
  it('maps ledger rows and their absence', () => {
    expect(viewOfLedgerEntry(undefined)).toEqual({ status: 'NOT_REQUESTED' });
    expect(viewOfLedgerEntry({ eventId, outcome: 'ISSUED', reason: null, userCouponId: 9 })).toEqual({ status: 'ISSUED', eventId, userCouponId: 9 });
    expect(viewOfLedgerEntry({ eventId, outcome: 'REJECTED', reason: 'ALREADY_ISSUED', userCouponId: null })).toEqual({ status: 'REJECTED', eventId, reason: 'ALREADY_ISSUED' });
    expect(viewOfLedgerEntry({ eventId, outcome: 'FAILED', reason: 'x', userCouponId: null })).toEqual({ status: 'FAILED', eventId, reason: 'x' });
  });

  it("answers a bulk grant's user from the ledger once decided, and PENDING with the grant's event id before", () => {
    const grant = { couponId: 42, userId: 7, grantId: 'spring', eventIds: 'grant-user' } as const;
    expect(viewOfLedgerEntry(undefined, grant)).toEqual({ status: 'PENDING', eventId: grantEventId(42, 'spring', 7, 'grant-user'), position: null });
    // A grant created before the 'grant-user' scheme keeps its name-based ids.
    expect(viewOfLedgerEntry(undefined, { ...grant, eventIds: 'name-sha1' })).toEqual({ status: 'PENDING', eventId: grantEventId(42, 'spring', 7, 'name-sha1'), position: null });
    expect(viewOfLedgerEntry({ eventId, outcome: 'ISSUED', reason: null, userCouponId: 9 }, grant)).toEqual({ status: 'ISSUED', eventId, userCouponId: 9 });
  });
});

describe('pendingNeedsLedger', () => {
  const pending = { status: 'PENDING', eventId, partition: '2', offset: '50', heldAt: '1000' };

  it('asks the ledger once the record is at or below the processed watermark', () => {
    expect(pendingNeedsLedger(pending, 50, 1001, 2000)).toBe(true);
    expect(pendingNeedsLedger(pending, 49, 1001, 2000)).toBe(false);
    expect(pendingNeedsLedger(pending, undefined, 1001, 2000)).toBe(false);
  });

  it('asks the ledger once the request has been PENDING longer than the bound', () => {
    expect(pendingNeedsLedger(pending, undefined, 3000, 2000)).toBe(true);
    expect(pendingNeedsLedger({ status: 'PENDING', eventId, heldAt: '1000' }, undefined, 2999, 2000)).toBe(false);
    // Without heldAt the age is unknown: only the watermark can tell.
    expect(pendingNeedsLedger({ status: 'PENDING', eventId }, undefined, 1e12, 2000)).toBe(false);
  });

  it('never second-guesses a terminal status', () => {
    expect(pendingNeedsLedger({ status: 'ISSUED', eventId, offset: '1', heldAt: '1' }, 100, 1e12, 0)).toBe(false);
  });
});

describe('ledgerOverridesPending', () => {
  const other = '01937c1e-0000-7000-8000-000000000002';

  it('lets the same request\'s outcome win, and an ISSUED of the user', () => {
    expect(ledgerOverridesPending({ eventId }, { eventId, outcome: 'REJECTED', reason: 'SOLD_OUT', userCouponId: null })).toEqual({ status: 'REJECTED', eventId, reason: 'SOLD_OUT' });
    expect(ledgerOverridesPending({ eventId }, { eventId: other, outcome: 'ISSUED', reason: null, userCouponId: 4 })).toEqual({ status: 'ISSUED', eventId: other, userCouponId: 4 });
  });

  it('ignores another request\'s rejection and an absent row', () => {
    expect(ledgerOverridesPending({ eventId }, { eventId: other, outcome: 'REJECTED', reason: 'SOLD_OUT', userCouponId: null })).toBeUndefined();
    expect(ledgerOverridesPending({ eventId }, undefined)).toBeUndefined();
  });
});
