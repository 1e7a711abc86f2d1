/** Provisions a stack for the services: topics, registry subjects, database migrations. */
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { kafkaConnectionFromEnv } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';
import { COMPATIBILITY_LEVEL } from '../../schemas/compatibility.ts';
import { Serde } from '../../schemas/serde.ts';
import { TOPICS, valueSubject, type TopicName } from '../../schemas/topics.ts';
import { migrate } from '../db/migrate.ts';
import { provisionTopics } from './topics.ts';

/** Topics, registry subjects and database migrations; every step is idempotent. */
export async function provisionAll(say: (msg: string) => void): Promise<void> {
  const endpoints = endpointsFromEnv();
  const partitions = Number(process.env.REQUEST_PARTITIONS ?? 6);
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`REQUEST_PARTITIONS must be a positive integer, got "${process.env.REQUEST_PARTITIONS}"`);

  const created = await provisionTopics(kafkaConnectionFromEnv(), partitions);
  say(`topics: ${created.length ? `created ${created.join(', ')}` : 'all present'}`);

  const serde = new Serde(registryConnectionFromEnv());
  const ids = [];
  for (const topic of Object.values(TOPICS)) ids.push(`${valueSubject(topic)}=${await registerPatiently(serde, topic, say)}`);
  say(`subjects (${COMPATIBILITY_LEVEL}): ${ids.join(', ')}`);

  const applied = await migrate(endpoints.databaseUrl);
  say(`migrations: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
}

const REGISTER_ATTEMPTS = 3;

/** A registration the registry did not answer in time (a cold start of the whole stack) is tried again: registering is idempotent. */
async function registerPatiently(serde: Serde, topic: TopicName, say: (msg: string) => void): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await serde.register(topic);
    } catch (err) {
      if (attempt >= REGISTER_ATTEMPTS) throw err;
      say(`registering ${valueSubject(topic)} failed (${(err as Error).message}); trying again`);
    }
  }
}
