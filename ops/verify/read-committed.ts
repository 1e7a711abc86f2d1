import Kafka from '@confluentinc/kafka-javascript';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { endpointsFromEnv } from '../../schemas/endpoints.ts';

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<Record<string, Buffer | string>>;
}

/**
 * Everything a `read_committed` consumer sees on `topic`, from the start up to the current last
 * stable offsets, filtered by `filter`. Completion is judged by the consumer's position (which
 * steps over transaction markers and aborted records), not by counting records.
 */
export async function readCommitted(topic: string, filter: (r: ConsumedRecord) => boolean = () => true): Promise<ConsumedRecord[]> {
  const consumer = new Kafka.KafkaConsumer(
    {
      'metadata.broker.list': endpointsFromEnv().kafkaBrokers,
      'group.id': `test-reader-${randomUUID()}`,
      'enable.auto.commit': false,
      'isolation.level': 'read_committed',
      'fetch.wait.max.ms': 50,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await promisify<void>((cb) => consumer.connect({}, (err) => cb(err)))();
  try {
    const metadata = await promisify<Kafka.Metadata>((cb) => consumer.getMetadata({ topic, timeout: 10_000 }, cb))();
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions.map((p) => p.id) ?? [];
    const ends = new Map<number, number>();
    for (const partition of partitions) {
      const w = await promisify<Kafka.WatermarkOffsets>((cb) => consumer.queryWatermarkOffsets(topic, partition, 10_000, cb))();
      // With read_committed the high watermark reported is the last stable offset.
      if (w.highOffset > w.lowOffset) ends.set(partition, w.highOffset);
    }
    const out: ConsumedRecord[] = [];
    if (ends.size === 0) return out;
    consumer.assign([...ends.keys()].map((partition) => ({ topic, partition, offset: 0 })));
    consumer.setDefaultConsumeTimeout(200);
    const deadline = Date.now() + 120_000;
    while (ends.size > 0) {
      if (Date.now() > deadline) throw new Error(`reading ${topic} did not reach the end offsets ${JSON.stringify([...ends])}`);
      const messages = await promisify<Kafka.Message[]>((cb) => consumer.consume(10_000, cb))();
      for (const m of messages) {
        const record: ConsumedRecord = {
          topic,
          partition: m.partition,
          offset: m.offset,
          key: (m.key as Buffer | undefined) ?? null,
          value: m.value ?? null,
          headers: (m.headers ?? []) as ConsumedRecord['headers'],
        };
        if (filter(record)) out.push(record);
      }
      for (const p of consumer.position([...ends.keys()].map((partition) => ({ topic, partition })))) {
        if (p.offset !== undefined && p.offset >= ends.get(p.partition)!) ends.delete(p.partition);
      }
    }
    return out;
  } finally {
    await promisify<void>((cb) => consumer.disconnect(() => cb(null)))();
  }
}
