import { describe, expect, it } from 'vitest';
import { ConfigError } from '../platform/service-config.ts';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults to batch mode with a transactional id stable per instance', () => {
    const c = loadConfig({ PROCESSOR_INSTANCE_ID: 'a' });
    expect(c).toMatchObject({ mode: 'batch', groupId: 'coupon-processor', transactionalId: 'coupon-processor-a', groupInstanceId: 'coupon-processor-a' });
    expect(c.batchMaxRecords).toBe(5000);
    // A fetch waits for records (up to the batch wait), not for the first one.
    expect(c).toMatchObject({ batchMaxWaitMs: 20, fetchMinBytes: 65_536 });
  });
  it('bounds how long it fails before it is unhealthy and before it exits', () => {
    expect(loadConfig({})).toMatchObject({ unhealthyAfterMs: 30_000, stallTimeoutMs: 120_000 });
    expect(() => loadConfig({ PROCESSOR_STALL_TIMEOUT_MS: '10' })).toThrow(/PROCESSOR_STALL_TIMEOUT_MS/);
  });
  it('refuses bad values with the variable named', () => {
    expect(() => loadConfig({ PROCESSOR_MODE: 'fast' })).toThrow(ConfigError);
    expect(() => loadConfig({ PROCESSOR_BATCH_MAX_RECORDS: '0' })).toThrow(/PROCESSOR_BATCH_MAX_RECORDS/);
    expect(() => loadConfig({ PROCESSOR_METRICS_PORT: 'x' })).toThrow(/PROCESSOR_METRICS_PORT/);
    expect(() => loadConfig({ PROCESSOR_FETCH_MIN_BYTES: '0' })).toThrow(/PROCESSOR_FETCH_MIN_BYTES/);
  });
});
