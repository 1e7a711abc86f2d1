/**
 * The bench's own topic sets: services it starts get COUPON_TOPIC_PREFIX, so no processor of
 * someone else's (another group on the shared requests topic, deciding the bench's requests
 * against another database) can add outcomes of its own to the bench's outputs.
 */
import { provisionTopics } from '../provision/topics.ts';
import { waitFor } from '../stack/process.ts';
import { topicEnds } from '../verify/read-committed.ts';
import type { Topics } from '../../schemas/topics.ts';
import type { KafkaConnection } from '../../platform/kafka-config.ts';

/** The prefix of the topics the bench's gateway and processors use on the stack's broker. */
export const BENCH_TOPIC_PREFIX = 'bench.';

/** Creates the set's topics where missing and waits until every broker knows them. */
export async function provisionTopicSet(kafka: KafkaConnection, partitions: number, topics: Topics): Promise<void> {
  await provisionTopics(kafka, partitions, topics);
  // A topic just created is unknown to a broker until the controller's metadata reaches it.
  await waitFor(async () => (await Promise.all(Object.values(topics).map((t) => topicEnds(t, kafka)))).every((ends) => ends.size > 0), 60_000, 500);
}
