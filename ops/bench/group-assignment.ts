/**
 * Waits until a consumer group is stable with its members holding every partition of a topic: a
 * drain measured before that would count the group's joins and rebalances as processing time.
 */
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { waitFor } from '../run/wait-for.ts';
import { kafkaJsClient, type KafkaConnection } from '../../platform/kafka-config.ts';

export async function waitGroupAssigned(kafka: KafkaConnection, groupId: string, topic: string, members: number, timeoutMs: number, giveUp: () => string | undefined): Promise<void> {
  const admin = kafkaJsClient(kafka, { logLevel: KafkaJS.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [metadata] = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = metadata?.partitions.length ?? 0;
    await waitFor(
      async () => {
        const [group] = (await admin.describeGroups([groupId])).groups;
        if (group?.state !== KafkaJS.ConsumerGroupStates.STABLE || group.members.length !== members) return false;
        return group.members.reduce((n, m) => n + m.assignment.topicPartitions.filter((tp) => tp.topic === topic).length, 0) === partitions;
      },
      timeoutMs,
      200,
      giveUp,
    );
  } finally {
    await admin.disconnect();
  }
}
