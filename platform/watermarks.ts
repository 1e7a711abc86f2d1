/**
 * A partition's watermarks, asked of its leader. librdkafka does not retry this query: right after
 * a topic is created or its leader moves, the broker it asks can answer NOT_LEADER_OR_FOLLOWER
 * before it has taken the partition over. Java's clients retry such answers; so does this.
 */
import Kafka from '@confluentinc/kafka-javascript';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

/** A consumer or a producer: both ask the partition's leader. */
type Client = Pick<InstanceType<typeof Kafka.KafkaConsumer>, 'queryWatermarkOffsets'>;

const RETRY_BACKOFF_MS = 100;
const E = Kafka.CODES.ERRORS;
/** Answers that mean "ask again shortly": leadership is moving or not yet known to the broker asked. */
const LEADERSHIP_MOVING = new Set<number>([E.ERR_NOT_LEADER_FOR_PARTITION, E.ERR_LEADER_NOT_AVAILABLE, E.ERR_UNKNOWN_TOPIC_OR_PART, E.ERR_FENCED_LEADER_EPOCH, E.ERR_UNKNOWN_LEADER_EPOCH, E.ERR__UNKNOWN_PARTITION]);

/** The watermarks of `topic`/`partition`; answers of moving leadership are retried until `timeoutMs` has passed. */
export async function watermarks(client: Client, topic: string, partition: number, timeoutMs: number): Promise<Kafka.WatermarkOffsets> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await promisify<Kafka.WatermarkOffsets>((cb) => client.queryWatermarkOffsets(topic, partition, Math.max(1, deadline - Date.now()), cb))();
    } catch (err) {
      if (!LEADERSHIP_MOVING.has((err as { code?: number }).code ?? 0) || Date.now() + RETRY_BACKOFF_MS >= deadline) throw err;
      await sleep(RETRY_BACKOFF_MS);
    }
  }
}
