import type { CouponIssued, CouponIssueDeadLetter, CouponIssueRejected } from '../../schemas/contracts.ts';
import type { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import type { CommittedOutputs } from './invariants.ts';
import { readCommittedSince, topicEnds, type Offsets } from './read-committed.ts';

export const OUTPUT_TOPIC_NAMES = [TOPICS.issued, TOPICS.rejected, TOPICS.dlq] as const;
export type OutputOffsets = Record<(typeof OUTPUT_TOPIC_NAMES)[number], Offsets>;

/** Where the output topics end now: pass it to readOutputs to read only what comes later. */
export async function outputEnds(): Promise<OutputOffsets> {
  const [issued, rejected, dlq] = await Promise.all(OUTPUT_TOPIC_NAMES.map((t) => topicEnds(t)));
  return { [TOPICS.issued]: issued!, [TOPICS.rejected]: rejected!, [TOPICS.dlq]: dlq! };
}

/** The committed output records (from `since`, or from the start), decoded through the registry. */
export async function readOutputs(serde: Serde, since?: OutputOffsets): Promise<CommittedOutputs> {
  const from = (topic: (typeof OUTPUT_TOPIC_NAMES)[number]): Offsets => since?.[topic] ?? new Map();
  const [issued, rejected, deadLetters] = await Promise.all([
    readCommittedSince(TOPICS.issued, from(TOPICS.issued)).then((rs) => Promise.all(rs.map((r) => serde.decode(TOPICS.issued, r.value)))),
    readCommittedSince(TOPICS.rejected, from(TOPICS.rejected)).then((rs) => Promise.all(rs.map((r) => serde.decode(TOPICS.rejected, r.value)))),
    readCommittedSince(TOPICS.dlq, from(TOPICS.dlq)).then((rs) => Promise.all(rs.map((r) => serde.decode(TOPICS.dlq, r.value)))),
  ]);
  return { issued: issued as CouponIssued[], rejected: rejected as CouponIssueRejected[], deadLetters: deadLetters as CouponIssueDeadLetter[] };
}
