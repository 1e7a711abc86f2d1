/** A topic's partitions as the cluster's metadata lists them. */
import type Kafka from '@confluentinc/kafka-javascript';
import { promisify } from 'node:util';

/** A consumer or a producer: both fetch metadata from the cluster. */
type Client = Pick<InstanceType<typeof Kafka.KafkaConsumer>, 'getMetadata'>;

/** The ids of `topic`'s partitions, ascending; none if the cluster does not know the topic. */
export async function topicPartitions(client: Client, topic: string, timeoutMs: number): Promise<number[]> {
  const metadata = await promisify<Kafka.Metadata>((cb) => client.getMetadata({ topic, timeout: timeoutMs }, cb))();
  return (metadata.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => p.id).sort((a, b) => a - b);
}
