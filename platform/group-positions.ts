/**
 * Where a consumer group stands on a topic, read with a short-lived consumer of the group that
 * never joins it (no subscribe, no commit): committed offsets (OffsetFetch) and the partitions'
 * watermarks. A consumer rather than the admin API, for every reader of a group's offsets (the
 * gateway's reconciler, the ops CLI): the admin API's coordinator requests have killed the process
 * inside librdkafka 2.15 — an assertion (rd_kafka_enq_once_del_source_return) when they time out
 * during a broker outage, a SIGSEGV (a missing consumer group dereferenced) when the coordinator
 * moves.
 */
import Kafka from '@confluentinc/kafka-javascript';
import { promisify } from 'node:util';
import { rdkafkaConfig, type KafkaConnection } from './kafka-config.ts';
import { topicPartitions } from './topic-partitions.ts';
import { watermarks } from './watermarks.ts';

export interface PartitionPosition {
  partition: number;
  /** First retained offset. */
  logStart: number;
  /** Last stable offset: where a read_committed reader stops now. */
  logEnd: number;
  /** The group's committed offset (next record to process), null when it has none. */
  committed: number | null;
}

const TIMEOUT_MS = 10_000;

export async function groupPositions(kafka: KafkaConnection, groupId: string, topic: string): Promise<PartitionPosition[]> {
  const consumer = new Kafka.KafkaConsumer(
    rdkafkaConfig(kafka, { 'group.id': groupId, 'enable.auto.commit': false, 'isolation.level': 'read_committed', 'socket.connection.setup.timeout.ms': TIMEOUT_MS }),
    {},
  );
  await promisify<void>((cb) => consumer.connect({ timeout: TIMEOUT_MS }, (err) => cb(err)))();
  try {
    const partitions = await topicPartitions(consumer, topic, TIMEOUT_MS);
    const committed = await promisify<Kafka.TopicPartitionOffsetAndMetadata[]>((cb) => consumer.committed(partitions.map((partition) => ({ topic, partition })), TIMEOUT_MS, cb))();
    const at = new Map(committed.map((c) => [c.partition, c.offset]));
    const positions: PartitionPosition[] = [];
    for (const partition of partitions) {
      const w = await watermarks(consumer, topic, partition, TIMEOUT_MS);
      const offset = at.get(partition) ?? -1;
      positions.push({ partition, logStart: w.lowOffset, logEnd: w.highOffset, committed: offset >= 0 ? offset : null });
    }
    return positions;
  } finally {
    await promisify<void>((cb) => consumer.disconnect(() => cb(null)))();
  }
}
