import Kafka from '@confluentinc/kafka-javascript';
import { promisify } from 'node:util';

/**
 * Commits the end offset of every partition of `topic` for `groupId`, like
 * `kafka-consumer-groups --reset-offsets --to-latest`: the group then starts with the records
 * produced after this call. The group must have no active members.
 */
export async function resetGroupToEnd(brokers: string, groupId: string, topic: string): Promise<Map<number, number>> {
  const consumer = new Kafka.KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': groupId, 'enable.auto.commit': false }, {});
  await promisify<void>((cb) => consumer.connect({}, (err) => cb(err)))();
  try {
    const metadata = await promisify<Kafka.Metadata>((cb) => consumer.getMetadata({ topic, timeout: 10_000 }, cb))();
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions.map((p) => p.id) ?? [];
    const ends = new Map<number, number>();
    for (const partition of partitions) {
      const w = await promisify<Kafka.WatermarkOffsets>((cb) => consumer.queryWatermarkOffsets(topic, partition, 10_000, cb))();
      ends.set(partition, w.highOffset);
    }
    consumer.commitSync([...ends].map(([partition, offset]) => ({ topic, partition, offset })));
    return ends;
  } finally {
    await promisify<void>((cb) => consumer.disconnect(() => cb(null)))();
  }
}
