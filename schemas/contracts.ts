/**
 * The Avro contracts (schemas/avro/*.avsc) and their TypeScript shapes. Ids are Avro `long`
 * (safe JavaScript integers), times are epoch milliseconds (`timestamp-millis`).
 */
import fs from 'node:fs';
import { TOPICS, type TopicName } from './topics.ts';

export const REJECTION_REASONS = ['SOLD_OUT', 'ALREADY_ISSUED', 'COUPON_NOT_FOUND', 'COUPON_NOT_ACTIVE'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface CouponIssueRequested {
  eventId: string;
  couponId: number;
  userId: number;
  requestedAt: number;
  /** The bulk grant that produced the request; null or absent for a request through the HTTP gate. */
  grant?: string | null;
}

export interface CouponIssued {
  eventId: string;
  couponId: number;
  userId: number;
  userCouponId: number;
  requestedAt: number;
  issuedAt: number;
}

export interface CouponIssueRejected {
  eventId: string;
  couponId: number;
  userId: number;
  reason: RejectionReason;
  requestedAt: number;
  rejectedAt: number;
}

export interface DeadLetterHeader {
  key: string;
  value: Buffer | null;
}

export interface CouponIssueDeadLetter {
  eventId: string | null;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: DeadLetterHeader[];
  errorType: string;
  errorMessage: string;
  attempts: number;
  failedAt: number;
}

/** Maps each topic to the record type its values carry. */
export interface TopicValues {
  [TOPICS.requests]: CouponIssueRequested;
  [TOPICS.issued]: CouponIssued;
  [TOPICS.rejected]: CouponIssueRejected;
  [TOPICS.dlq]: CouponIssueDeadLetter;
}

const SCHEMA_FILES: Record<TopicName, string> = {
  [TOPICS.requests]: 'CouponIssueRequested.avsc',
  [TOPICS.issued]: 'CouponIssued.avsc',
  [TOPICS.rejected]: 'CouponIssueRejected.avsc',
  [TOPICS.dlq]: 'CouponIssueDeadLetter.avsc',
};

/** The raw schema (parsed JSON) of a topic's values, as registered. */
export function avroSchemaOf(topic: TopicName): Record<string, unknown> {
  const file = new URL(`./avro/${SCHEMA_FILES[topic]}`, import.meta.url);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}
