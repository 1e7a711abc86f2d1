import { describe, expect, it } from 'vitest';
import { RegistryUnavailableError } from '../schemas/errors.ts';
import { backoffMs, FatalProcessorError, isFatalKafkaError, isTransient } from './errors.ts';

const pgError = (code: string) => Object.assign(new Error('pg'), { code });
const kafkaError = (props: object) => Object.assign(new Error('kafka'), { name: 'KafkaJSError', ...props });

describe('failure classes', () => {
  it('treats an unreachable or overloaded database as transient, bad data as not', () => {
    expect(isTransient(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransient(pgError('57P01'))).toBe(true); // admin shutdown
    expect(isTransient(pgError('40P01'))).toBe(true); // deadlock
    expect(isTransient(pgError('22003'))).toBe(false); // numeric out of range
    expect(isTransient(pgError('23505'))).toBe(false); // unique violation
  });
  it('retries registry outages and non-fatal broker errors, never fenced producers', () => {
    expect(isTransient(new RegistryUnavailableError('down'))).toBe(true);
    expect(isTransient(kafkaError({ fatal: false, code: -195 }))).toBe(true);
    expect(isTransient(kafkaError({ fatal: false, code: -144 }))).toBe(false);
    expect(isFatalKafkaError(kafkaError({ fatal: true }))).toBe(true);
    expect(isFatalKafkaError(kafkaError({ code: 90 }))).toBe(true);
    expect(isFatalKafkaError(new FatalProcessorError('stuck'))).toBe(true);
    expect(isFatalKafkaError(kafkaError({ code: -195 }))).toBe(false);
  });
  it('backs off with full jitter under a cap', () => {
    for (let attempt = 0; attempt < 30; attempt++) {
      const wait = backoffMs(attempt, 100, 5000);
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThanOrEqual(Math.min(5000, 100 * 2 ** attempt));
    }
  });
});
