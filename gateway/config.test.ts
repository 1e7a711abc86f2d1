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

  it('puts the admin API and /metrics on a loopback listener of their own by default', () => {
    expect(loadConfig({})).toMatchObject({ host: '127.0.0.1', port: 8080, adminHost: '127.0.0.1', adminPort: 9465 });
    expect(loadConfig({ GATEWAY_ADMIN_HOST: '0.0.0.0', GATEWAY_ADMIN_PORT: '9999' })).toMatchObject({ adminHost: '0.0.0.0', adminPort: 9999 });
    // Any free port for both (tests) is no clash.
    expect(loadConfig({ GATEWAY_PORT: '0', GATEWAY_ADMIN_PORT: '0' })).toMatchObject({ port: 0, adminPort: 0 });
  });

  it('refuses a public listener that would trust the body userId, unless told to', () => {
    const tokens = { GATEWAY_JWT_SECRET: 's'.repeat(32) };
    expect(() => loadConfig({ GATEWAY_HOST: '0.0.0.0' })).toThrow(/refusing to listen on 0\.0\.0\.0 .*GATEWAY_TRUST_BODY_USER_ID=true/);
    expect(() => loadConfig({ GATEWAY_HOST: '10.1.2.3', GATEWAY_TRUST_BODY_USER_ID: 'false' })).toThrow(ConfigError);
    expect(loadConfig({ GATEWAY_HOST: '0.0.0.0', GATEWAY_TRUST_BODY_USER_ID: 'true' }).host).toBe('0.0.0.0');
    expect(loadConfig({ GATEWAY_HOST: '0.0.0.0', ...tokens }).userAuth.kind).toBe('secret');
    expect(loadConfig({ GATEWAY_HOST: 'localhost' }).host).toBe('localhost');
  });

  it('limits each client address and each authenticated user by default; 0 turns a limit off', () => {
    expect(loadConfig({}).rateLimits).toEqual({ ip: { perSecond: 50, burst: 100 }, user: { perSecond: 5, burst: 20 }, maxClients: 100_000 });
    const off = loadConfig({ GATEWAY_RATE_LIMIT_IP_PER_SECOND: '0', GATEWAY_RATE_LIMIT_USER_PER_SECOND: '0' }).rateLimits;
    expect(off).toMatchObject({ ip: undefined, user: undefined });
    expect(loadConfig({ GATEWAY_RATE_LIMIT_IP_PER_SECOND: '7', GATEWAY_RATE_LIMIT_IP_BURST: '9' }).rateLimits.ip).toEqual({ perSecond: 7, burst: 9 });
    expect(loadConfig({ GATEWAY_RATE_LIMIT_USER_PER_SECOND: '0.5' }).rateLimits.user).toEqual({ perSecond: 0.5, burst: 20 });
    expect(() => loadConfig({ GATEWAY_RATE_LIMIT_USER_PER_SECOND: '-1' })).toThrow(/GATEWAY_RATE_LIMIT_USER_PER_SECOND/);
  });

  it('reads which proxies to trust for the client address', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ GATEWAY_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ GATEWAY_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
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
    [{ GATEWAY_ADMIN_PORT: '8080' }, /GATEWAY_ADMIN_PORT must differ/],
    [{ GATEWAY_TRUST_PROXY: 'proxy.example' }, /GATEWAY_TRUST_PROXY/],
    [{ GATEWAY_RATE_LIMIT_IP_BURST: '0' }, /GATEWAY_RATE_LIMIT_IP_BURST/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
