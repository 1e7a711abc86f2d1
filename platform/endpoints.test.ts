import { describe, expect, it } from 'vitest';
import { EMBEDDED, ENV_NAMES, endpointsFromEnv, isExternal } from './endpoints.ts';
import { REGISTRY_PORT } from '../ops/stack/registry.ts';
import { POSTGRES_PORT, APP_DB } from '../ops/stack/postgres.ts';
import { REDIS_PORT } from '../ops/stack/redis.ts';
import { SINGLE_BROKER } from '../ops/stack/kafka.ts';

describe('endpointsFromEnv()', () => {
  it('defaults every address to the embedded stack when nothing is set', () => {
    expect(endpointsFromEnv({})).toEqual(EMBEDDED);
  });

  it('takes each address from its variable, trimmed, independently of the others', () => {
    const env = { KAFKA_BROKERS: ' k1:9092,k2:9092 ', REDIS_URL: 'redis://cache:6379' };
    expect(endpointsFromEnv(env)).toEqual({ ...EMBEDDED, kafkaBrokers: 'k1:9092,k2:9092', redisUrl: 'redis://cache:6379' });
  });

  it('treats empty and blank variables as unset', () => {
    expect(endpointsFromEnv({ DATABASE_URL: '', SCHEMA_REGISTRY_URL: '   ' })).toEqual(EMBEDDED);
  });

  it('names the documented variables', () => {
    expect(ENV_NAMES).toEqual({ kafkaBrokers: 'KAFKA_BROKERS', schemaRegistryUrl: 'SCHEMA_REGISTRY_URL', databaseUrl: 'DATABASE_URL', redisUrl: 'REDIS_URL' });
  });
});

describe('isExternal()', () => {
  it('is true only for a set, non-blank variable', () => {
    expect(isExternal('redisUrl', { REDIS_URL: 'redis://cache:6379' })).toBe(true);
    expect(isExternal('redisUrl', { REDIS_URL: ' ' })).toBe(false);
    expect(isExternal('redisUrl', { KAFKA_BROKERS: 'k:9092' })).toBe(false);
  });
});

describe('EMBEDDED', () => {
  // The defaults and the stack that serves them are defined in two places; keep them in step.
  it('points at the ports and database the embedded stack uses', () => {
    expect(EMBEDDED.kafkaBrokers).toBe(SINGLE_BROKER.brokerPorts.map((p) => `127.0.0.1:${p}`).join(','));
    expect(new URL(EMBEDDED.schemaRegistryUrl).port).toBe(String(REGISTRY_PORT));
    const db = new URL(EMBEDDED.databaseUrl);
    expect([db.port, db.username, db.password, db.pathname]).toEqual([String(POSTGRES_PORT), APP_DB.user, APP_DB.password, `/${APP_DB.database}`]);
    expect(new URL(EMBEDDED.redisUrl).port).toBe(String(REDIS_PORT));
  });
});
