/**
 * Where the processor group stands on the requests topic, and what is still pending there: the
 * committed records above its committed offsets (read read_committed, as the processor reads them).
 */
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { TOPICS } from '../../schemas/topics.ts';
import { readCommittedRange, type ConsumedRecord, type Offsets, type ReadOptions } from '../verify/read-committed.ts';

export interface PartitionPosition {
  partition: number;
  /** First retained offset. */
  logStart: number;
  /** Last stable offset: where a read_committed reader stops now. */
  logEnd: number;
  /** The group's committed offset (next record to process), null when it has none. */
  committed: number | null;
}

/** First offset the group has not processed: its committed offset, or the log start if it has none (or it fell behind retention). */
export const pendingStart = (p: PartitionPosition): number => Math.max(p.committed ?? p.logStart, p.logStart);

/** Offsets between the group and the end of the log (transaction markers included: an upper bound of records). */
export const lagOf = (p: PartitionPosition): number => Math.max(0, p.logEnd - pendingStart(p));

export async function processorPositions(admin: KafkaJS.Admin, groupId: string): Promise<PartitionPosition[]> {
  const [ends, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(TOPICS.requests, { isolationLevel: KafkaJS.IsolationLevel.READ_COMMITTED }),
    admin.fetchOffsets({ groupId, topics: [TOPICS.requests] }),
  ]);
  const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return ends
    .map((e) => {
      const offset = at.get(e.partition) ?? -1;
      return { partition: e.partition, logStart: Number(e.low), logEnd: Number(e.high), committed: offset < 0 ? null : offset };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** The committed request records above the group's position, filtered (e.g. by coupon key). */
export function readPendingRequests(
  positions: PartitionPosition[],
  filter: (r: ConsumedRecord) => boolean,
  options: Omit<ReadOptions, 'until'> & Required<Pick<ReadOptions, 'kafka'>>,
): Promise<ConsumedRecord[]> {
  const from: Offsets = new Map(positions.map((p) => [p.partition, pendingStart(p)]));
  const until: Offsets = new Map(positions.map((p) => [p.partition, p.logEnd]));
  return readCommittedRange(TOPICS.requests, from, filter, { ...options, until });
}
