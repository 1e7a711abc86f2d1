import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, int, logLevelVariable, parseEnv, serviceConfigError } from './service-config.ts';

const schema = z.object({ SOME_PORT: int(0, 65_535).default(80), LOG_LEVEL: logLevelVariable });

describe('parseEnv()', () => {
  it('coerces integers and applies the defaults', () => {
    expect(parseEnv(schema, { SOME_PORT: '8080' }, 'test')).toEqual({ SOME_PORT: 8080, LOG_LEVEL: 'info' });
  });

  it('names every bad variable in one ConfigError about the service', () => {
    const parse = () => parseEnv(schema, { SOME_PORT: '1.5', LOG_LEVEL: 'loud' }, 'test');
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/^invalid test configuration: SOME_PORT: .*; LOG_LEVEL: /);
  });
});

describe('serviceConfigError()', () => {
  it('says whose configuration and keeps the cause', () => {
    const cause = new Error('bad');
    const err = serviceConfigError('gateway', 'X must be set', { cause });
    expect([err.name, err.message, err.cause]).toEqual(['ConfigError', 'invalid gateway configuration: X must be set', cause]);
  });
});
