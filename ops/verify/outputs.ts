/** Reads the committed output records (issued, rejected, dead letters) for the invariant checks. */
import type { CouponIssued, CouponIssueDeadLetter, CouponIssueRejected } from '../../schemas/contracts.ts';
import type { Serde } from '../../schemas/serde.ts';
import { kafkaConnectionFromEnv, type KafkaConnection } from '../../platform/kafka-config.ts';
import { outputTopics, TOPICS, type OutputTopic, type Topics } from '../../schemas/topics.ts';
import type { CommittedOutputs } from './invariants.ts';
import { readCommittedSince, topicEnds, type Offsets } from './read-committed.ts';

export type OutputOffsets = Record<OutputTopic, Offsets>;

/** Where outputs are read: this process's brokers and topics unless a caller watches another set (the bench's scale scenario). */
export interface OutputSource {
  kafka: KafkaConnection;
  topics: Topics;
}

const ownSource = (): OutputSource => ({ kafka: kafkaConnectionFromEnv(), topics: TOPICS });

/** Where the output topics end now: pass it to readOutputs to read only what comes later. */
export async function outputEnds(source: OutputSource = ownSource()): Promise<OutputOffsets> {
  const { topics, kafka } = source;
  const [issued, rejected, dlq] = await Promise.all(outputTopics(topics).map((t) => topicEnds(t, kafka)));
  return { [TOPICS.issued]: issued!, [TOPICS.rejected]: rejected!, [TOPICS.dlq]: dlq! };
}

/**
 * The committed output records (from `since`, or from the start), decoded through the registry
 * with this process's reader schemas (a prefixed topic set carries the same contracts).
 */
export async function readOutputs(serde: Serde, since?: OutputOffsets, source: OutputSource = ownSource()): Promise<CommittedOutputs> {
  const { topics, kafka } = source;
  const from = (topic: OutputTopic): Offsets => since?.[topic] ?? new Map();
  const [issued, rejected, deadLetters] = await Promise.all([
    readCommittedSince(topics.issued, from(TOPICS.issued), undefined, kafka).then((rs) => Promise.all(rs.map((r) => serde.decode(TOPICS.issued, r.value)))),
    readCommittedSince(topics.rejected, from(TOPICS.rejected), undefined, kafka).then((rs) => Promise.all(rs.map((r) => serde.decode(TOPICS.rejected, r.value)))),
    readCommittedSince(topics.dlq, from(TOPICS.dlq), undefined, kafka).then((rs) => Promise.all(rs.map((r) => serde.decode(TOPICS.dlq, r.value)))),
  ]);
  return { issued: issued as CouponIssued[], rejected: rejected as CouponIssueRejected[], deadLetters: deadLetters as CouponIssueDeadLetter[] };
}
