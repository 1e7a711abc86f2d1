/**
 * Topic sets of their own (COUPON_TOPIC_PREFIX, schemas/topics.ts) for runs whose invariant checks
 * must not see another processor's outcomes: the bench's (a fixed prefix, kept) and each demo run's
 * (a prefix per run, removed afterwards).
 */
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { kafkaJsClient, type KafkaConnection } from '../../platform/kafka-config.ts';
import { registryRequest, type RegistryConnection } from '../../platform/registry-config.ts';
import { valueSubject, type Topics } from '../../schemas/topics.ts';
import { waitFor } from '../run/wait-for.ts';
import { topicEnds } from '../verify/read-committed.ts';
import { provisionTopics } from './topics.ts';

/** Creates the set's topics where missing and waits until every broker knows them. */
export async function provisionTopicSet(kafka: KafkaConnection, partitions: number, topics: Topics): Promise<void> {
  await provisionTopics(kafka, partitions, topics);
  // A topic just created is unknown to a broker until the controller's metadata reaches it.
  await waitFor(async () => (await Promise.all(Object.values(topics).map((t) => topicEnds(t, kafka)))).every((ends) => ends.size > 0), 60_000, 500);
}

/**
 * Deletes a set's topics and their value subjects (soft, then for good), once the services that
 * used them have stopped. Never call it with the contract's own names.
 */
export async function removeTopicSet(kafka: KafkaConnection, registry: RegistryConnection, topics: Topics): Promise<void> {
  const names = Object.values(topics);
  const admin = kafkaJsClient(kafka, { logLevel: KafkaJS.logLevel.ERROR }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = names.filter((t) => existing.has(t));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
  for (const subject of names.map(valueSubject)) {
    for (const query of ['', '?permanent=true']) {
      const answer = await registryRequest(registry, `/subjects/${encodeURIComponent(subject)}${query}`, { method: 'DELETE', timeoutMs: 10_000 });
      // 404: never registered (the run stopped early), or already gone.
      if ((answer.status < 200 || answer.status > 299) && answer.status !== 404) throw new Error(`deleting subject ${subject}${query}: HTTP ${answer.status} ${answer.body}`);
    }
  }
}
