/**
 * Publishes the group's lag and the oldest pending request's age for the partitions of the
 * requests topic this instance owns (end offset − committed offset). Only the owned ones: every
 * instance sees the whole group's offsets, and exporting them all would multiply `sum` by the
 * number of instances. The group's lag of every partition goes to a gauge of its own, which
 * alerting reads with `max`: lag on a partition no instance owns (a rebalance that left it out)
 * shows only there.
 * The committed offsets come from this instance's own consumer (its group coordinator), never from
 * the admin API: librdkafka 2.15's admin OffsetFetch dereferences a missing consumer group when
 * the coordinator moves (NOT_COORDINATOR, e.g. a broker restart) and kills the process (SIGSEGV).
 */
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { TOPICS } from '../schemas/topics.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { PendingAge } from './pending-age.ts';

export function lagOf(endOffset: number, committed: number, lowOffset: number): number {
  return Math.max(0, endOffset - position(committed, lowOffset));
}

/** No committed offset yet (-1): the group starts from the beginning of what is retained. */
const position = (committed: number, lowOffset: number): number => (committed < 0 ? lowOffset : committed);

/** What the lag monitor reads of the processing consumer. */
export interface GroupView {
  /** The partitions assigned now (it changes with every rebalance). */
  assignment(): Array<{ topic: string; partition: number }>;
  /** The group's committed offsets (next record to process); negative when none. */
  committed(partitions: Array<{ topic: string; partition: number }>, timeoutMs: number): Promise<Array<{ partition: number; offset: number | undefined }>>;
}

/** The partitions of `topic` in a consumer's assignment. */
export function ownedPartitions(assignment: Array<{ topic: string; partition: number }>, topic: string): Set<number> {
  return new Set(assignment.filter((tp) => tp.topic === topic).map((tp) => tp.partition));
}

const COMMITTED_TIMEOUT_MS = 10_000;

export class LagMonitor {
  private timer?: NodeJS.Timeout;
  private readonly ages = new Map<number, PendingAge>();

  constructor(
    private readonly admin: KafkaJS.Admin,
    private readonly consumer: GroupView,
    private readonly metrics: ProcessorMetrics,
    private readonly log: Logger,
  ) {}

  start(intervalMs: number): void {
    const tick = (): void => {
      this.sample()
        .catch((err: unknown) => this.log.debug({ err }, 'lag sample failed'))
        .finally(() => {
          this.timer = setTimeout(tick, intervalMs);
          this.timer.unref();
        });
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  async sample(): Promise<void> {
    const owned = ownedPartitions(this.consumer.assignment(), TOPICS.requests);
    const ends = await this.admin.fetchTopicOffsets(TOPICS.requests, { isolationLevel: KafkaJS.IsolationLevel.READ_COMMITTED });
    const committed = await this.consumer.committed(ends.map((e) => ({ topic: TOPICS.requests, partition: e.partition })), COMMITTED_TIMEOUT_MS);
    const byPartition = new Map(committed.map((p) => [p.partition, p.offset ?? -1]));
    const now = Date.now();
    // Synchronously from here on: a scrape never sees the series half replaced.
    this.metrics.consumerLag.reset();
    this.metrics.groupLag.reset();
    this.metrics.oldestPendingAge.reset();
    for (const p of this.ages.keys()) if (!owned.has(p)) this.ages.delete(p);
    for (const e of ends) {
      const partition = String(e.partition);
      const committedAt = byPartition.get(e.partition) ?? -1;
      const lag = lagOf(Number(e.high), committedAt, Number(e.low));
      this.metrics.groupLag.set({ partition }, lag);
      if (!owned.has(e.partition)) continue;
      let age = this.ages.get(e.partition);
      if (!age) this.ages.set(e.partition, (age = new PendingAge()));
      this.metrics.consumerLag.set({ partition }, lag);
      this.metrics.oldestPendingAge.set({ partition }, age.observe(now, Number(e.high), position(committedAt, Number(e.low))));
    }
  }
}
