import { describe, expect, it } from 'vitest';
import { EMBEDDED } from '../../platform/endpoints.ts';
import { ConfigError } from '../../platform/service-config.ts';
import { loadOpsConfig } from './config.ts';

describe('loadOpsConfig', () => {
  it('defaults to the embedded stack and the processor group coupon-processor', () => {
    expect(loadOpsConfig({})).toEqual({
      ...EMBEDDED,
      kafka: { brokers: EMBEDDED.kafkaBrokers, properties: {} },
      registry: { url: EMBEDDED.schemaRegistryUrl },
      redis: { kind: 'single', url: EMBEDDED.redisUrl },
      processorGroupId: 'coupon-processor',
    });
  });

  it('takes the Kafka security and registry credentials of the services, and names a bad one', () => {
    const config = loadOpsConfig({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'ops', KAFKA_SASL_PASSWORD: 'pw', SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'k:s' });
    expect(config.kafka.properties).toMatchObject({ 'security.protocol': 'sasl_ssl', 'sasl.username': 'ops' });
    expect(config.registry.auth).toEqual({ username: 'k', password: 's' });
    const load = () => loadOpsConfig({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/KAFKA_SASL_MECHANISM: required/);
  });

  it('reads the services\' variables', () => {
    const config = loadOpsConfig({
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      SCHEMA_REGISTRY_URL: 'https://registry:8081',
      DATABASE_URL: 'postgresql://u:p@db:5432/coupons',
      REDIS_URL: 'redis://cache:6379',
      REDIS_CLUSTER_NODES: 'r1:7000, r2:7001',
      PROCESSOR_GROUP_ID: 'issuer',
    });
    expect(config).toMatchObject({
      kafkaBrokers: 'k1:9092,k2:9092',
      schemaRegistryUrl: 'https://registry:8081',
      databaseUrl: 'postgresql://u:p@db:5432/coupons',
      redis: { kind: 'cluster', nodes: [{ host: 'r1', port: 7000 }, { host: 'r2', port: 7001 }] },
      processorGroupId: 'issuer',
    });
  });

  it('names every bad variable at once', () => {
    const load = () => loadOpsConfig({ KAFKA_BROKERS: 'broker', SCHEMA_REGISTRY_URL: 'registry:8081', DATABASE_URL: 'mysql://db', REDIS_URL: 'http://x', REDIS_CLUSTER_NODES: 'a:b' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/KAFKA_BROKERS: expected host:port.*got "broker"/);
    expect(load).toThrow(/SCHEMA_REGISTRY_URL: expected a URL like http/);
    expect(load).toThrow(/DATABASE_URL: expected a URL like postgres/);
    expect(load).toThrow(/REDIS_URL: expected a URL like redis/);
    expect(load).toThrow(/REDIS_CLUSTER_NODES/);
  });
});
