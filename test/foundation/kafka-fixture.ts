/**
 * Kafka plumbing for the foundation tests: one client, an admin, throw-away topics (unique names,
 * deleted by `cleanup()`), and connected transactional producers (disconnected by `cleanup()`).
 */
import { randomUUID } from 'node:crypto';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { eventually } from '../support/eventually.ts';
import { kafkaConnectionFromEnv, kafkaJsClient } from '../../platform/kafka-config.ts';

export interface KafkaFixture {
  kafka: KafkaJS.Kafka;
  admin: KafkaJS.Admin;
  /** Creates `<prefix>-<uuid>` with the given partition count and waits until its leaders are known. */
  createTopic(partitions: number, prefix?: string): Promise<string>;
  /** A connected producer with its own transactional id (transactions initialised by connect()). */
  transactionalProducer(): Promise<KafkaJS.Producer>;
  /** A connected idempotent, non-transactional producer (what the gateway uses). */
  plainProducer(): Promise<KafkaJS.Producer>;
  /** Sums a topic's end offsets as seen by the given isolation level (LSO for read_committed). */
  endOffsetSum(topic: string, isolationLevel: KafkaJS.IsolationLevel): Promise<number>;
  cleanup(): Promise<void>;
}

export async function kafkaFixture(): Promise<KafkaFixture> {
  const kafka = kafkaJsClient(kafkaConnectionFromEnv());
  const admin = kafka.admin();
  await admin.connect();
  const topics: string[] = [];
  const clients: Array<{ disconnect(): Promise<void> }> = [];

  return {
    kafka,
    admin,

    async createTopic(partitions, prefix = 'test-txn') {
      const topic = `${prefix}-${randomUUID()}`;
      topics.push(topic);
      await admin.createTopics({ timeout: 30_000, topics: [{ topic, numPartitions: partitions }] });
      // Creation is acknowledged by the controller before every broker's metadata has the leaders.
      await eventually(async () => {
        const [meta] = await admin.fetchTopicMetadata({ topics: [topic] });
        return meta?.partitions.length === partitions && meta.partitions.every((p) => p.leader >= 0);
      });
      return topic;
    },

    async transactionalProducer() {
      const producer = kafka.producer({ kafkaJS: { transactionalId: `test-txn-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 } });
      clients.push(producer);
      await producer.connect();
      return producer;
    },

    async plainProducer() {
      const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1 } });
      clients.push(producer);
      await producer.connect();
      return producer;
    },

    async endOffsetSum(topic, isolationLevel) {
      const offsets = await admin.fetchTopicOffsets(topic, { isolationLevel, timeout: 10_000 });
      return offsets.reduce((sum, p) => sum + Number(p.high), 0);
    },

    async cleanup() {
      await Promise.allSettled(clients.map((c) => c.disconnect()));
      if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
