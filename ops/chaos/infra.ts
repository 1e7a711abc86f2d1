/**
 * The run's own infrastructure: the stack's 3-broker cluster (only fault runs use it) and private
 * Redis, Postgres and registry instances on ports of their own, so breaking them never disturbs
 * the shared stack. Everything is started by the stack's own component code and left running
 * afterwards, like the stack.
 */
import { ENV_NAMES, type Endpoints } from '../../platform/endpoints.ts';
import { provisionAll } from '../provision/provision.ts';
import type { Component } from '../stack/component.ts';
import { ensureUp } from '../stack/ensure-up.ts';
import { kafkaComponent, THREE_BROKERS, type KafkaLayout } from '../stack/kafka.ts';
import { APP_DB, postgresComponent } from '../stack/postgres.ts';
import { redisComponent } from '../stack/redis.ts';
import { registryComponent } from '../stack/registry.ts';
import { resumeIfFrozen } from './faults/postgres-freeze.ts';

export const CHAOS_PORTS = { redis: 19301, postgres: 19302, registry: 19303, registryManagement: 19304, gateway: 19310, gatewayAdmin: 19313, processors: [19311, 19312] } as const;

export interface Infra {
  cluster: KafkaLayout;
  kafka: Component;
  redis: Component;
  postgres: Component;
  registry: Component;
  endpoints: Endpoints;
}

export function chaosInfra(): Infra {
  const kafka = kafkaComponent(THREE_BROKERS);
  const redis = redisComponent({ name: 'chaos-redis', port: CHAOS_PORTS.redis });
  const postgres = postgresComponent({ name: 'chaos-postgres', port: CHAOS_PORTS.postgres });
  const registry = registryComponent({
    name: 'chaos-registry',
    port: CHAOS_PORTS.registry,
    postgresPort: CHAOS_PORTS.postgres,
    managementPort: CHAOS_PORTS.registryManagement,
  });
  return {
    cluster: THREE_BROKERS,
    kafka,
    redis,
    postgres,
    registry,
    endpoints: {
      kafkaBrokers: kafka.address,
      schemaRegistryUrl: registry.address,
      databaseUrl: `postgres://${APP_DB.user}:${APP_DB.password}@127.0.0.1:${CHAOS_PORTS.postgres}/${APP_DB.database}`,
      redisUrl: `redis://127.0.0.1:${CHAOS_PORTS.redis}`,
    },
  };
}

/**
 * Starts what is not running, points this process (and so every service it starts) at the run's
 * infrastructure through the usual variables, and provisions topics, subjects and tables there.
 */
export async function bringUp(infra: Infra, say: (msg: string) => void): Promise<void> {
  const postgresThenRegistry = async (): Promise<void> => {
    resumeIfFrozen(infra.postgres.name);
    await ensureUp(infra.postgres, say);
    await ensureUp(infra.registry, say);
  };
  await Promise.all([ensureUp(infra.kafka, say), ensureUp(infra.redis, say), postgresThenRegistry()]);
  for (const key of Object.keys(ENV_NAMES) as Array<keyof Endpoints>) process.env[ENV_NAMES[key]] = infra.endpoints[key];
  await provisionAll(say);
}
