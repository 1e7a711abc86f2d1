/** Publishes the group's lag per partition of the requests topic (end offset − committed offset). */
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { TOPICS } from '../schemas/topics.ts';
import type { ProcessorMetrics } from './metrics.ts';

export function lagOf(endOffset: number, committed: number, lowOffset: number): number {
  // No committed offset yet (-1): the group starts from the beginning of what is retained.
  return Math.max(0, endOffset - (committed < 0 ? lowOffset : committed));
}

export class LagMonitor {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly admin: KafkaJS.Admin,
    private readonly groupId: string,
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
    const ends = await this.admin.fetchTopicOffsets(TOPICS.requests, { isolationLevel: KafkaJS.IsolationLevel.READ_COMMITTED });
    const [committed] = await this.admin.fetchOffsets({ groupId: this.groupId, topics: [TOPICS.requests] });
    const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    for (const e of ends) {
      this.metrics.consumerLag.set({ partition: String(e.partition) }, lagOf(Number(e.high), byPartition.get(e.partition) ?? -1, Number(e.low)));
    }
  }
}
