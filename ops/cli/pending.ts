/**
 * Where the processor group stands on the requests topic, and what is still pending there: the
 * committed records above its committed offsets (read read_committed, as the processor reads them).
 */
import type { PartitionPosition } from '../../platform/group-positions.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { readCommittedRange, type ConsumedRecord, type Offsets, type ReadOptions } from '../verify/read-committed.ts';

/** First offset the group has not processed: its committed offset, or the log start if it has none (or it fell behind retention). */
export const pendingStart = (p: PartitionPosition): number => Math.max(p.committed ?? p.logStart, p.logStart);

/** Offsets between the group and the end of the log (transaction markers included: an upper bound of records). */
export const lagOf = (p: PartitionPosition): number => Math.max(0, p.logEnd - pendingStart(p));

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
