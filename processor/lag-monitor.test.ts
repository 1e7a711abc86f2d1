import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { TOPICS } from '../schemas/topics.ts';
import { LagMonitor, type GroupView } from './lag-monitor.ts';
import { ProcessorMetrics } from './metrics.ts';

/** An admin client that knows six partitions: end offset 100 each. */
const admin = {
  fetchTopicOffsets: async () => Array.from({ length: 6 }, (_, partition) => ({ partition, high: '100', low: '0', offset: '100' })),
} as unknown as KafkaJS.Admin;

/** A consumer whose group committed at 10 × partition; it answers only for the partitions asked about. */
const consumerOwning = (assignment: () => KafkaJS.TopicPartition[]): GroupView => ({
  assignment,
  committed: async (partitions) => partitions.map(({ partition }) => ({ partition, offset: 10 * partition })),
});

async function lagSeries(metrics: ProcessorMetrics, gauge: 'consumerLag' | 'groupLag' = 'consumerLag'): Promise<Record<string, number>> {
  const { values } = await metrics[gauge].get();
  return Object.fromEntries(values.map((v) => [String(v.labels.partition), v.value]));
}

describe('LagMonitor', () => {
  it('exports lag only for the partitions this instance owns, and follows rebalances', async () => {
    const metrics = new ProcessorMetrics();
    let assignment: KafkaJS.TopicPartition[] = [
      { topic: TOPICS.requests, partition: 1 },
      { topic: TOPICS.requests, partition: 4 },
      { topic: 'some-other-topic', partition: 0 },
    ];
    const monitor = new LagMonitor(admin, consumerOwning(() => assignment), metrics, pino({ level: 'silent' }));

    await monitor.sample();
    expect(await lagSeries(metrics)).toEqual({ '1': 90, '4': 60 });

    assignment = [{ topic: TOPICS.requests, partition: 5 }];
    await monitor.sample();
    expect(await lagSeries(metrics)).toEqual({ '5': 50 });
    expect((await metrics.oldestPendingAge.get()).values.map((v) => v.labels.partition)).toEqual(['5']);
  });

  it("exports the group's lag of every partition, owned or not, so a partition nobody owns shows", async () => {
    const metrics = new ProcessorMetrics();
    const monitor = new LagMonitor(admin, consumerOwning(() => [{ topic: TOPICS.requests, partition: 2 }]), metrics, pino({ level: 'silent' }));
    await monitor.sample();
    expect(await lagSeries(metrics, 'groupLag')).toEqual({ '0': 100, '1': 90, '2': 80, '3': 70, '4': 60, '5': 50 });
    expect(await lagSeries(metrics)).toEqual({ '2': 80 });
  });
});
