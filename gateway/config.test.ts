import { describe, expect, it } from 'vitest';
import { ConfigError } from '../platform/service-config.ts';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      redis: { kind: 'single', url: 'redis://127.0.0.1:16379' },
      adminToken: undefined,
      userAuth: { kind: 'none' },
      kafkaLingerMs: 2,
      kafkaMessageTimeoutMs: 5000,
      bodyLimitBytes: 1024,
      retryAfterSeconds: 1,
      logRequests: false,
    });
    expect(config.endpoints.kafkaBrokers).toBe('127.0.0.1:19092');
  });

  it('settles holds after twice the delivery timeout plus a margin, unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ holdSettleMs: 20_000, reconcileIntervalMs: 10_000, statusLedgerAfterMs: 2000, processorGroupId: 'coupon-processor' });
    expect(loadConfig({ GATEWAY_KAFKA_MESSAGE_TIMEOUT_MS: '1500' }).holdSettleMs).toBe(13_000);
    expect(loadConfig({ GATEWAY_HOLD_SETTLE_MS: '9000' }).holdSettleMs).toBe(9000);
    // A bound a produce could still outlive would release accepted requests.
    expect(() => loadConfig({ GATEWAY_HOLD_SETTLE_MS: '5000' })).toThrow(/GATEWAY_HOLD_SETTLE_MS/);
  });

  it('reads a Redis Cluster from REDIS_CLUSTER_NODES', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:17001, redis-b:17002' }).redis).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 17001 },
        { host: 'redis-b', port: 17002 },
      ],
    });
  });

  it('reads end-user token settings', () => {
    expect(loadConfig({ GATEWAY_JWT_SECRET: 's'.repeat(32), GATEWAY_JWT_ISSUER: 'shop' }).userAuth).toEqual({ kind: 'secret', secret: 's'.repeat(32), issuer: 'shop', audience: undefined });
    const jwks = loadConfig({ GATEWAY_JWKS_URL: 'https://id.example/jwks.json' }).userAuth;
    expect(jwks.kind === 'jwks' && jwks.url.href).toBe('https://id.example/jwks.json');
  });

  it('treats blank variables as unset', () => {
    expect(loadConfig({ ADMIN_TOKEN: '  ', REDIS_CLUSTER_NODES: '' })).toMatchObject({ adminToken: undefined, redis: { kind: 'single' } });
  });

  it.each([
    [{ GATEWAY_PORT: 'eighty' }, /GATEWAY_PORT/],
    [{ GATEWAY_PORT: '70000' }, /GATEWAY_PORT/],
    [{ ADMIN_TOKEN: 'short' }, /ADMIN_TOKEN: must be at least 16/],
    [{ GATEWAY_JWT_SECRET: 'short' }, /GATEWAY_JWT_SECRET/],
    [{ GATEWAY_JWKS_URL: 'ftp://x/jwks' }, /GATEWAY_JWKS_URL/],
    [{ GATEWAY_JWT_SECRET: 's'.repeat(32), GATEWAY_JWKS_URL: 'https://id.example/jwks' }, /not both/],
    [{ REDIS_CLUSTER_NODES: '127.0.0.1' }, /REDIS_CLUSTER_NODES/],
    [{ GATEWAY_KAFKA_LINGER_MS: '100', GATEWAY_KAFKA_MESSAGE_TIMEOUT_MS: '100' }, /larger than GATEWAY_KAFKA_LINGER_MS/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }, /invalid gateway configuration: invalid Kafka configuration: KAFKA_SASL_MECHANISM: required/],
    [{ SCHEMA_REGISTRY_USERNAME: 'key' }, /invalid gateway configuration: invalid schema registry configuration: SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
