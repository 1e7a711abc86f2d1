/**
 * The record collector: turns a batch's ledger outcomes and dead letters into the output records
 * of its Kafka transaction. Exactly one output record per source record that carries an event's
 * outcome; a second delivery of an already-decided event id (a different offset than the one the
 * ledger recorded) emits nothing, so every event id has exactly one matching output record.
 */
import type { CouponIssueDeadLetter, TopicValues } from '../schemas/contracts.ts';
import { REJECTION_REASONS, type RejectionReason } from '../schemas/contracts.ts';
import { TOPICS, type TopicName } from '../schemas/topics.ts';
import type { LedgerOutcome } from './ledger.ts';
import type { BatchPlan, DeadLetterPlan } from './plan.ts';
import type { SourceRecord } from './decode.ts';
import { recordKey } from '../schemas/record-key.ts';

export interface OutputRecord<T extends TopicName = TopicName> {
  topic: T;
  key: Buffer | string | null;
  value: TopicValues[T];
}

export type OutcomeLabel = 'issued' | 'rejected' | 'failed' | 'dead_letter' | 'duplicate';

export interface CollectedBatch {
  records: OutputRecord[];
  /** Outcomes that produced a record, for metrics. */
  emitted: LedgerOutcome[];
  /** Those of them whose status Redis caches: every one but a bulk grant's. */
  statuses: LedgerOutcome[];
  counts: Record<OutcomeLabel, number>;
}

export function collectOutputs(plan: BatchPlan, outcomes: LedgerOutcome[], now: number): CollectedBatch {
  const byEvent = new Map(outcomes.map((o) => [o.eventId, o]));
  const out: CollectedBatch = { records: [], emitted: [], statuses: [], counts: { issued: 0, rejected: 0, failed: 0, dead_letter: 0, duplicate: 0 } };
  for (const staged of plan.staged) {
    const outcome = byEvent.get(staged.eventId);
    if (!outcome) throw new Error(`ledger has no outcome for staged event ${staged.eventId}`);
    if (outcome.partition !== staged.partition || outcome.offset !== staged.offset) {
      out.counts.duplicate++;
      continue;
    }
    out.emitted.push(outcome);
    if (!staged.fromGrant) out.statuses.push(outcome);
    const key = recordKey(outcome.couponId);
    if (outcome.outcome === 'ISSUED') {
      out.counts.issued++;
      out.records.push({
        topic: TOPICS.issued,
        key,
        value: {
          eventId: outcome.eventId,
          couponId: outcome.couponId,
          userId: outcome.userId,
          userCouponId: outcome.userCouponId!,
          requestedAt: outcome.requestedAt,
          issuedAt: outcome.decidedAt,
        },
      });
    } else if (outcome.outcome === 'REJECTED') {
      out.counts.rejected++;
      out.records.push({
        topic: TOPICS.rejected,
        key,
        value: {
          eventId: outcome.eventId,
          couponId: outcome.couponId,
          userId: outcome.userId,
          reason: asReason(outcome.reason),
          requestedAt: outcome.requestedAt,
          rejectedAt: outcome.decidedAt,
        },
      });
    } else {
      out.counts.failed++;
      const source = plan.sources.get(staged)!;
      const [errorType, ...message] = (outcome.reason ?? 'FAILED').split(': ');
      out.records.push(deadLetter(source, { errorType: errorType!, message: message.join(': '), eventId: outcome.eventId }, outcome.decidedAt));
    }
  }
  for (const d of plan.deadLetters) {
    out.counts.dead_letter++;
    out.records.push(deadLetter(d.source, d, now));
  }
  return out;
}

function asReason(reason: string | null): RejectionReason {
  const known = REJECTION_REASONS.find((r) => r === reason);
  if (!known) throw new Error(`ledger holds an unknown rejection reason: ${reason}`);
  return known;
}

function deadLetter(source: SourceRecord, d: Pick<DeadLetterPlan, 'errorType' | 'message' | 'eventId'>, failedAt: number): OutputRecord<typeof TOPICS.dlq> {
  const value: CouponIssueDeadLetter = {
    eventId: d.eventId,
    sourceTopic: source.topic,
    sourcePartition: source.partition,
    sourceOffset: source.offset,
    key: source.key,
    value: source.value,
    headers: source.headers,
    errorType: d.errorType,
    errorMessage: d.message,
    // Decoding is deterministic: a record that failed once fails on every try.
    attempts: 1,
    failedAt,
  };
  return { topic: TOPICS.dlq, key: source.key, value };
}
