/**
 * Finds requests on a partition their key does not hash to. A producer that does not partition
 * with Java's murmur2 (librdkafka's default `consistent_random`, for one) puts some of a coupon's
 * requests on another partition than the gateway does; each partition is decided in its own order,
 * so first-come-first-served no longer holds between them. Such records are still decided as usual
 * (their 202 was given): they are counted, and their coupon is logged once a minute.
 *
 * The expected partition needs the requests topic's partition count, read from the cluster's
 * metadata now and then; until it is known, or for a partition beyond it (partitions were added
 * since), nothing is judged.
 */
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { TOPICS } from '../schemas/topics.ts';
import type { SourceRecord } from './decode.ts';
import { partitionFor } from '../schemas/murmur2.ts';

const WARN_EVERY_MS = 60_000;
/** Coupons remembered for the once-a-minute warning before the stale ones are swept. */
const MAX_REMEMBERED = 10_000;

export class MisroutedRecords {
  private partitions: number | undefined;
  private readonly warnedAt = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly counter: Counter,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The requests topic's partition count (it only grows). */
  set partitionCount(count: number) {
    this.partitions = Math.max(count, this.partitions ?? 0);
  }

  /** Reads the partition count from the cluster's metadata now (resolved when read or failed) and every `intervalMs`. */
  async start(admin: KafkaJS.Admin, intervalMs: number): Promise<void> {
    const read = (): Promise<void> =>
      admin
        .fetchTopicMetadata({ topics: [TOPICS.requests] })
        .then(([topic]) => {
          if (topic?.partitions.length) this.partitionCount = topic.partitions.length;
        })
        .catch((err: unknown) => this.log.debug({ err }, 'requests topic metadata not read; misrouted records are judged with the last count'));
    const schedule = (): void => {
      this.timer = setTimeout(() => void read().finally(schedule), intervalMs);
      this.timer.unref();
    };
    await read();
    schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Counts the records of a committed unit that sit on another partition than their key's. Returns how many. */
  observe(records: readonly SourceRecord[]): number {
    const count = this.partitions;
    if (count === undefined) return 0;
    let misrouted = 0;
    for (const r of records) {
      if (!r.key || r.key.length === 0 || r.partition >= count) continue;
      const expected = partitionFor(r.key, count);
      if (expected === r.partition) continue;
      misrouted++;
      this.warn(r, expected, count);
    }
    if (misrouted > 0) this.counter.inc(misrouted);
    return misrouted;
  }

  private warn(r: SourceRecord, expected: number, partitions: number): void {
    const coupon = r.key!.toString('utf8');
    const now = this.now();
    const last = this.warnedAt.get(coupon);
    if (last !== undefined && now - last < WARN_EVERY_MS) return;
    if (this.warnedAt.size >= MAX_REMEMBERED) for (const [c, at] of this.warnedAt) if (now - at >= WARN_EVERY_MS) this.warnedAt.delete(c);
    this.warnedAt.set(coupon, now);
    this.log.warn(
      { coupon, partition: r.partition, expectedPartition: expected, partitions, offset: r.offset },
      'request on another partition than murmur2 of its key gives: its producer does not use the murmur2 partitioner, so first-come-first-served does not hold for this coupon (decided anyway; at most one warning per coupon a minute)',
    );
  }
}
