import { describe, expect, it } from 'vitest';
import type { CouponIssued } from '../../schemas/contracts.ts';
import { grantResultProblems, type UserResult } from './grant-results.ts';
import type { CommittedOutputs } from './invariants.ts';

const issuedRow = (userId: number, line: number): UserResult => ({ userId, line, result: 'ISSUED', reason: '', userCouponId: String(userId * 10), eventId: `e${userId}` });
const refusedRow = (userId: number, line: number): UserResult => ({ userId, line, result: 'REFUSED', reason: 'SOLD_OUT', userCouponId: '', eventId: `e${userId}` });
const record = (userId: number): CouponIssued => ({ eventId: `e${userId}`, couponId: 1, userId, userCouponId: userId * 10, requestedAt: 0, issuedAt: 0 });
const outputs = (issued: CouponIssued[]): CommittedOutputs => ({ issued, rejected: [], deadLetters: [] });

describe('grantResultProblems', () => {
  const expected = { users: [5, 3, 9], quantity: 2 };

  it('finds nothing when the first users by line are issued, each with one committed record, and the rest refused', () => {
    expect(grantResultProblems(expected, [issuedRow(5, 2), issuedRow(3, 3), refusedRow(9, 5)], outputs([record(5), record(3)]))).toEqual([]);
  });

  it('reports a user issued out of line order', () => {
    const problems = grantResultProblems(expected, [issuedRow(5, 2), refusedRow(3, 3), issuedRow(9, 5)], outputs([record(5), record(9)]));
    expect(problems).toEqual(['not first come, first served by line: 2 (user 3 REFUSED SOLD_OUT, expected ISSUED, user 9 ISSUED, expected REFUSED SOLD_OUT)']);
  });

  it('reports an issued user without a record, with two records, or with a record of another user coupon', () => {
    const other = { ...record(3), userCouponId: 99 };
    expect(grantResultProblems(expected, [issuedRow(5, 2), issuedRow(3, 3), refusedRow(9, 5)], outputs([other]))).toEqual([
      'decided without a committed output record: 1 (user 5)',
      'a coupon-issued record that names another user or user coupon: 1 (user 3)',
    ]);
    expect(grantResultProblems(expected, [issuedRow(5, 2), issuedRow(3, 3), refusedRow(9, 5)], outputs([record(5), record(5), record(3)]))).toEqual([
      'more than one committed output record: 1 (user 5)',
    ]);
  });

  it('reports a refused user that has a committed record, and a result missing a user', () => {
    expect(grantResultProblems(expected, [issuedRow(5, 2), issuedRow(3, 3), refusedRow(9, 5)], outputs([record(5), record(3), record(9)]))).toEqual([
      'refused at the gate yet a committed output record: 1 (user 9)',
    ]);
    expect(grantResultProblems(expected, [issuedRow(5, 2), issuedRow(3, 3)], outputs([record(5), record(3)]))).toEqual([
      "the result lists 2 users, not the file's 3 distinct users in line order",
    ]);
  });
});
