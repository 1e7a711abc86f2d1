/** Creates the contract topics that are missing. */
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { kafkaJsClient, type KafkaConnection } from '../../platform/kafka-config.ts';
import { TOPICS, topicSpecs, type Topics } from '../../schemas/topics.ts';

/**
 * Creates the four topics if missing (partitions, retention, lz4 compression). Existing topics
 * are left as they are: partition counts only grow by an operator's decision, never implicitly.
 */
export async function provisionTopics(kafka: KafkaConnection, requestPartitions: number, topics: Topics = TOPICS): Promise<string[]> {
  const admin = kafkaJsClient(kafka, { logLevel: KafkaJS.logLevel.ERROR }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topicSpecs(requestPartitions, topics).filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        timeout: 30_000,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          configEntries: [
            { name: 'retention.ms', value: String(t.retentionMs) },
            { name: 'compression.type', value: 'lz4' },
          ],
        })),
      });
    }
    return missing.map((t) => t.name);
  } finally {
    await admin.disconnect();
  }
}
