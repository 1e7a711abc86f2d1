import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';

describe('schema registration racing on a new subject', () => {
  it('several processes registering a new topic set at once all get the same schema id (one sets the level, the others take it)', async () => {
    // A topic set of its own, as a demo or bench run has: its subjects are new to the registry.
    process.env.COUPON_TOPIC_PREFIX = `register-race-${randomUUID().slice(0, 8)}.`;
    const { TOPICS, outputTopics } = await import('../../schemas/topics.ts');
    const { Serde } = await import('../../schemas/serde.ts');
    const { connectionsFromEnv } = await import('../../platform/connections.ts');
    const { removeTopicSet } = await import('../../ops/provision/topic-set.ts');
    const { kafka, registry } = connectionsFromEnv(process.env);
    try {
      for (const topic of [TOPICS.requests, ...outputTopics(TOPICS)]) {
        const ids = await Promise.all(Array.from({ length: 4 }, () => new Serde(registry).register(topic)));
        expect(new Set(ids).size).toBe(1);
      }
    } finally {
      await removeTopicSet(kafka, registry, TOPICS);
    }
  });
});
