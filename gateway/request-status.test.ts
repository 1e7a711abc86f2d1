import { describe, expect, it } from 'vitest';
import { pendingPartition, viewOfLedgerEntry, viewOfRedisStatus } from './request-status.ts';

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
});
