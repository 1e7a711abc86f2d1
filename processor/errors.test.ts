import { describe, expect, it } from 'vitest';
import { RegistryUnavailableError } from '../schemas/errors.ts';
import { backoffMs, classify, FatalProcessorError, FencedInstanceError, poisonsConnection, SchemaNotYetKnownError } from './errors.ts';

const pgError = (code: string) => Object.assign(new Error('pg'), { code });
const kafkaError = (props: object) => Object.assign(new Error('kafka'), { name: 'KafkaJSError', ...props });

describe('failure classes', () => {
  it('blames the record only for Postgres data exceptions and constraint violations', () => {
    expect(classify(pgError('22003'))).toBe('data'); // numeric out of range
    expect(classify(pgError('22P02'))).toBe('data'); // invalid text representation
    expect(classify(pgError('23505'))).toBe('data'); // unique violation
    expect(classify(pgError('23514'))).toBe('data'); // check violation
  });
  it('retries every other database failure: it is not the record that is wrong', () => {
    for (const code of ['42P01', '42501', '25006', '28P01', '57P01', '40P01', '53300', '08006', 'XX000', '0A000', '55P03']) {
      expect(classify(pgError(code)), code).toBe('transient');
    }
    expect(classify(Object.assign(new Error('connect'), { code: 'ENETUNREACH' }))).toBe('transient');
    expect(classify(new Error('timeout exceeded when trying to connect'))).toBe('transient');
    expect(classify(new TypeError('a bug of ours'))).toBe('transient');
  });
  it('retries registry outages and schema ids not known yet', () => {
    expect(classify(new RegistryUnavailableError('down'))).toBe('transient');
    expect(classify(new SchemaNotYetKnownError('id 9'))).toBe('transient');
  });
  it('replaces a fenced or fatal producer instead of exiting', () => {
    expect(classify(kafkaError({ fatal: true, code: -150 }))).toBe('producer-fenced');
    expect(classify(kafkaError({ code: 90 }))).toBe('producer-fenced');
    expect(classify(kafkaError({ code: 47 }))).toBe('producer-fenced');
    expect(classify(kafkaError({ code: -144 }))).toBe('producer-fenced');
    expect(classify(kafkaError({ code: -195, retriable: true }))).toBe('transient');
  });
  it('ends the process only for a zombie (or a stall, reported as FatalProcessorError)', () => {
    expect(classify(kafkaError({ code: 82 }))).toBe('zombie');
    expect(classify(new FatalProcessorError('stuck'))).toBe('zombie');
    expect(classify(new FencedInstanceError('fenced out of the group'))).toBe('zombie');
  });
  it('reuses a connection only after a data error', () => {
    expect(poisonsConnection(pgError('23505'))).toBe(false);
    expect(poisonsConnection(pgError('57014'))).toBe(true);
  });
  it('backs off with full jitter under a cap', () => {
    for (let attempt = 0; attempt < 30; attempt++) {
      const wait = backoffMs(attempt, 100, 5000);
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThanOrEqual(Math.min(5000, 100 * 2 ** attempt));
    }
  });
});
