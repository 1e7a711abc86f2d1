import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { TOPICS } from '../schemas/topics.ts';
import { LagMonitor } from './lag-monitor.ts';
import { ProcessorMetrics } from './metrics.ts';

/** An admin client that knows six partitions: end offset 100 each, the group committed at 10 × partition. */
const admin = {
  fetchTopicOffsets: async () => Array.from({ length: 6 }, (_, partition) => ({ partition, high: '100', low: '0', offset: '100' })),
  fetchOffsets: async () => [{ topic: TOPICS.requests, partitions: Array.from({ length: 6 }, (_, partition) => ({ partition, offset: String(10 * partition) })) }],
} as unknown as KafkaJS.Admin;

async function lagSeries(metrics: ProcessorMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.consumerLag.get();
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
    const monitor = new LagMonitor(admin, 'group', () => assignment, metrics, pino({ level: 'silent' }));

    await monitor.sample();
    expect(await lagSeries(metrics)).toEqual({ '1': 90, '4': 60 });

    assignment = [{ topic: TOPICS.requests, partition: 5 }];
    await monitor.sample();
    expect(await lagSeries(metrics)).toEqual({ '5': 50 });
    expect((await metrics.oldestPendingAge.get()).values.map((v) => v.labels.partition)).toEqual(['5']);
  });
});
