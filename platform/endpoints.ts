/**
 * Where the services find their infrastructure. Every address comes from the environment; an
 * unset variable means "the embedded local stack" (ops/stack), whose addresses are the defaults.
 */
export interface Endpoints {
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  databaseUrl: string;
  redisUrl: string;
}

export const EMBEDDED: Endpoints = {
  kafkaBrokers: '127.0.0.1:19092',
  schemaRegistryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
  databaseUrl: 'postgres://coupon:coupon@127.0.0.1:15432/coupon',
  redisUrl: 'redis://127.0.0.1:16379',
};

export const ENV_NAMES = {
  kafkaBrokers: 'KAFKA_BROKERS',
  schemaRegistryUrl: 'SCHEMA_REGISTRY_URL',
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
} as const satisfies Record<keyof Endpoints, string>;

export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const pick = (key: keyof Endpoints): string => {
    const value = env[ENV_NAMES[key]]?.trim();
    return value ? value : EMBEDDED[key];
  };
  return {
    kafkaBrokers: pick('kafkaBrokers'),
    schemaRegistryUrl: pick('schemaRegistryUrl'),
    databaseUrl: pick('databaseUrl'),
    redisUrl: pick('redisUrl'),
  };
}

/** True when the variable is set, i.e. the component is external and the stack must leave it alone. */
export function isExternal(key: keyof Endpoints, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env[ENV_NAMES[key]]?.trim());
}
