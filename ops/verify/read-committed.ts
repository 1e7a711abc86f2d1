/**
 * What a `read_committed` consumer sees on a topic: every committed record from given offsets (or
 * the start) up to the last stable offsets at the time of the call. Completion is judged by the
 * consumer's position, which steps over transaction markers and aborted records.
 */
import Kafka from '@confluentinc/kafka-javascript';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { waitForFirstRecordOnly } from '../../platform/first-record-wait.ts';
import { topicPartitions } from '../../platform/topic-partitions.ts';
import { watermarks } from '../../platform/watermarks.ts';
import { kafkaConnectionFromEnv, rdkafkaConfig, type KafkaConnection } from '../../platform/kafka-config.ts';

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  /** The record's timestamp (epoch ms): when it was produced, unless its producer set one. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<Record<string, Buffer | string>>;
}

/** Per partition, the offset to start reading from. */
export type Offsets = Map<number, number>;

type Consumer = InstanceType<typeof Kafka.KafkaConsumer>;

async function withConsumer<T>(kafka: KafkaConnection, fn: (consumer: Consumer) => Promise<T>): Promise<T> {
  const consumer = new Kafka.KafkaConsumer(
    rdkafkaConfig(kafka, { 'group.id': `committed-reader-${randomUUID()}`, 'enable.auto.commit': false, 'isolation.level': 'read_committed', 'fetch.wait.max.ms': 50 }),
    { 'auto.offset.reset': 'earliest' },
  );
  await promisify<void>((cb) => consumer.connect({}, (err) => cb(err)))();
  try {
    return await fn(consumer);
  } finally {
    await promisify<void>((cb) => consumer.disconnect(() => cb(null)))();
  }
}

/** Per partition, the offset up to which a read_committed reader can read now (the last stable offset). */
async function stableEnds(consumer: Consumer, topic: string): Promise<Map<number, number>> {
  const partitions = await topicPartitions(consumer, topic, 10_000);
  const ends = new Map<number, number>();
  for (const partition of partitions) {
    const w = await watermarks(consumer, topic, partition, 10_000);
    ends.set(partition, w.highOffset);
  }
  return ends;
}

/** Where each partition of `topic` ends now: records produced later have offsets at or past these. */
export function topicEnds(topic: string, kafka = kafkaConnectionFromEnv()): Promise<Offsets> {
  return withConsumer(kafka, (consumer) => stableEnds(consumer, topic));
}

export interface ReadOptions {
  /** Stop each partition here (exclusive), or at its current stable end if that comes first; partitions it does not name are not read. */
  until?: Offsets;
  /** Stop a partition after this many records that passed the filter. */
  perPartition?: number;
  /** Called after each fetch with the records read so far and the records the range spans at most. */
  onProgress?: (read: number, total: number) => void;
  /** Default: the connection of this process's environment. */
  kafka?: KafkaConnection;
}

/**
 * Every committed record of `topic` from the offsets `from` (default: the start) up to the stable
 * ends at the time of the call (or `until`), filtered.
 */
export function readCommittedRange(topic: string, from: Offsets, filter: (r: ConsumedRecord) => boolean = () => true, options: ReadOptions = {}): Promise<ConsumedRecord[]> {
  return withConsumer(options.kafka ?? kafkaConnectionFromEnv(), async (consumer) => {
    const ends = await stableEnds(consumer, topic);
    for (const [partition, end] of ends) {
      const until = Math.min(end, options.until ? (options.until.get(partition) ?? 0) : end);
      if (until <= (from.get(partition) ?? 0)) ends.delete(partition);
      else ends.set(partition, until);
    }
    const out: ConsumedRecord[] = [];
    if (ends.size === 0) return out;
    const total = [...ends].reduce((n, [partition, end]) => n + end - (from.get(partition) ?? 0), 0);
    const kept = new Map<number, number>();
    let read = 0;
    consumer.assign([...ends.keys()].map((partition) => ({ topic, partition, offset: from.get(partition) ?? 0 })));
    consumer.setDefaultConsumeTimeout(200);
    waitForFirstRecordOnly(consumer);
    const deadline = Date.now() + 120_000;
    while (ends.size > 0) {
      if (Date.now() > deadline) throw new Error(`reading ${topic} did not reach the end offsets ${JSON.stringify([...ends])}`);
      const messages = await promisify<Kafka.Message[]>((cb) => consumer.consume(10_000, cb))();
      for (const m of messages) {
        const end = ends.get(m.partition);
        if (end === undefined || m.offset >= end) continue;
        read++;
        const record: ConsumedRecord = {
          topic,
          partition: m.partition,
          offset: m.offset,
          timestamp: m.timestamp ?? 0,
          key: (m.key as Buffer | undefined) ?? null,
          value: m.value ?? null,
          headers: (m.headers ?? []) as ConsumedRecord['headers'],
        };
        if (!filter(record)) continue;
        out.push(record);
        kept.set(m.partition, (kept.get(m.partition) ?? 0) + 1);
        if (options.perPartition !== undefined && kept.get(m.partition)! >= options.perPartition) ends.delete(m.partition);
      }
      options.onProgress?.(read, total);
      // The consumer's position steps over transaction markers and aborted records.
      for (const p of consumer.position([...ends.keys()].map((partition) => ({ topic, partition })))) {
        if (p.offset !== undefined && p.offset >= ends.get(p.partition)!) ends.delete(p.partition);
      }
    }
    return out;
  });
}

/** Every committed record of `topic` from the offsets `since` up to the current ends, filtered. */
export function readCommittedSince(
  topic: string,
  since: Offsets,
  filter: (r: ConsumedRecord) => boolean = () => true,
  kafka = kafkaConnectionFromEnv(),
): Promise<ConsumedRecord[]> {
  return readCommittedRange(topic, since, filter, { kafka });
}

/** Every committed record of `topic` from its start, filtered. */
export function readCommitted(topic: string, filter: (r: ConsumedRecord) => boolean = () => true): Promise<ConsumedRecord[]> {
  return readCommittedSince(topic, new Map(), filter);
}
