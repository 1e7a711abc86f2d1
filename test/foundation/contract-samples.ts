/** One valid value of each contract, for round trips. */
import { v7 as uuidv7 } from 'uuid';
import type { CouponIssueDeadLetter, CouponIssueRejected, CouponIssueRequested, CouponIssued, TopicValues } from '../../schemas/contracts.ts';
import { TOPICS } from '../../schemas/topics.ts';

const requestedAt = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
/** avsc's largest `long` as a JavaScript number (Number.MAX_SAFE_INTEGER - 1): ids up to here round-trip exactly. */
export const LARGEST_AVRO_LONG = 9_007_199_254_740_990;

export function sampleValues(): { [T in keyof TopicValues]: TopicValues[T] } {
  const requested: CouponIssueRequested = { eventId: uuidv7(), couponId: LARGEST_AVRO_LONG, userId: 42, requestedAt, grant: null };
  const issued: CouponIssued = { eventId: uuidv7(), couponId: 7, userId: 42, userCouponId: 1001, requestedAt, issuedAt: requestedAt + 15 };
  const rejected: CouponIssueRejected = { eventId: uuidv7(), couponId: 7, userId: 43, reason: 'SOLD_OUT', requestedAt, rejectedAt: requestedAt + 20 };
  const deadLetter: CouponIssueDeadLetter = {
    eventId: null,
    sourceTopic: TOPICS.requests,
    sourcePartition: 3,
    sourceOffset: 123_456,
    key: Buffer.from('7'),
    value: Buffer.from([1, 2, 3, 0, 255]),
    headers: [
      { key: 'trace', value: Buffer.from('abc') },
      { key: 'empty', value: null },
    ],
    errorType: 'WRONG_MAGIC_BYTE',
    errorMessage: 'magic byte is 1, expected 0',
    attempts: 1,
    failedAt: requestedAt + 30,
  };
  return { [TOPICS.requests]: requested, [TOPICS.issued]: issued, [TOPICS.rejected]: rejected, [TOPICS.dlq]: deadLetter };
}
