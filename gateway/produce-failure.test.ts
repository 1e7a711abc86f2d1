import { KafkaJS } from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import { classifyProduceFailure } from './produce-failure.ts';

const codes = KafkaJS.ErrorCodes;
const kafkaError = (code: number): KafkaJS.KafkaJSError => new KafkaJS.KafkaJSError('failed', { code });

describe('classifyProduceFailure', () => {
  it('treats a timed-out delivery as unknown: the record may have been persisted', () => {
    expect(classifyProduceFailure(kafkaError(codes.ERR__MSG_TIMED_OUT))).toBe('UNKNOWN');
  });

  it('treats transport and broker errors as unknown', () => {
    for (const code of [codes.ERR__TRANSPORT, codes.ERR__ALL_BROKERS_DOWN, codes.ERR__PURGE_INFLIGHT, codes.ERR__FATAL, codes.ERR_NOT_LEADER_FOR_PARTITION, codes.ERR_REQUEST_TIMED_OUT]) {
      expect(classifyProduceFailure(kafkaError(code))).toBe('UNKNOWN');
    }
  });

  it('treats errors raised before the record was handed to a broker as certain', () => {
    for (const code of [codes.ERR__QUEUE_FULL, codes.ERR__STATE, codes.ERR__UNKNOWN_TOPIC, codes.ERR_MSG_SIZE_TOO_LARGE, codes.ERR__PURGE_QUEUE]) {
      expect(classifyProduceFailure(kafkaError(code))).toBe('NOT_QUEUED');
    }
    // produce() throws plain librdkafka errors (code, no KafkaJS wrapper) when it refuses a record.
    expect(classifyProduceFailure(Object.assign(new Error('Local: Queue full'), { code: codes.ERR__QUEUE_FULL }))).toBe('NOT_QUEUED');
  });

  it('treats anything without a librdkafka code as unknown', () => {
    expect(classifyProduceFailure(new Error('?'))).toBe('UNKNOWN');
    expect(classifyProduceFailure(undefined)).toBe('UNKNOWN');
  });
});
