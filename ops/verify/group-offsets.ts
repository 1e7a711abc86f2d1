/** Consumer-group offset administration: reset a group's position, read its committed offsets. */
import Kafka from '@confluentinc/kafka-javascript';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { rdkafkaConfig, type KafkaConnection } from '../../platform/kafka-config.ts';
import { topicEnds, type Offsets } from './read-committed.ts';

const { ERR_COORDINATOR_LOAD_IN_PROGRESS, ERR_COORDINATOR_NOT_AVAILABLE, ERR_NOT_COORDINATOR } = Kafka.CODES.ERRORS;
/** The group's coordinator still loading or moving (a cluster just started, a broker bounced): asked again. */
const COORDINATOR_MOVING = new Set<number>([ERR_COORDINATOR_LOAD_IN_PROGRESS, ERR_COORDINATOR_NOT_AVAILABLE, ERR_NOT_COORDINATOR]);
const COMMIT_DEADLINE_MS = 60_000;

/**
 * Commits `offsets` (per partition of `topic`) as the position of `groupId`, like
 * `kafka-consumer-groups --reset-offsets`: the group then starts there. The group must have no
 * active members. A coordinator still loading (a chaos run's cluster just started) is waited for.
 */
export async function resetGroupOffsets(kafka: KafkaConnection, groupId: string, topic: string, offsets: Offsets): Promise<void> {
  const consumer = new Kafka.KafkaConsumer(rdkafkaConfig(kafka, { 'group.id': groupId, 'enable.auto.commit': false }), {});
  await promisify<void>((cb) => consumer.connect({}, (err) => cb(err)))();
  try {
    for (const deadline = Date.now() + COMMIT_DEADLINE_MS; ; await sleep(500)) {
      try {
        consumer.commitSync([...offsets].map(([partition, offset]) => ({ topic, partition, offset })));
        return;
      } catch (err) {
        if (!COORDINATOR_MOVING.has((err as { code?: number }).code ?? 0) || Date.now() > deadline) throw err;
      }
    }
  } finally {
    await promisify<void>((cb) => consumer.disconnect(() => cb(null)))();
  }
}

/** Resets the group to the current end of `topic` (`--to-latest`): it sees only what comes next. */
export async function resetGroupToEnd(kafka: KafkaConnection, groupId: string, topic: string): Promise<Offsets> {
  const ends = await topicEnds(topic, kafka);
  await resetGroupOffsets(kafka, groupId, topic, ends);
  return ends;
}

/** The group's committed position per partition of `topic` (partitions it never committed are absent). */
export async function committedOffsets(kafka: KafkaConnection, groupId: string, topic: string): Promise<Offsets> {
  const consumer = new Kafka.KafkaConsumer(rdkafkaConfig(kafka, { 'group.id': groupId, 'enable.auto.commit': false }), {});
  await promisify<void>((cb) => consumer.connect({}, (err) => cb(err)))();
  try {
    const ends = await topicEnds(topic, kafka);
    const asked = [...ends.keys()].map((partition) => ({ topic, partition }));
    const committed = await promisify<Kafka.TopicPartitionOffset[]>((cb) => consumer.committed(asked, 10_000, cb))();
    return new Map(committed.filter((c) => c.offset >= 0).map((c) => [c.partition, c.offset]));
  } finally {
    await promisify<void>((cb) => consumer.disconnect(() => cb(null)))();
  }
}
