import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { coordinatorErrorMended } from './kafka-client-fixes.ts';

const require = createRequire(import.meta.url);
const { createKafkaJsErrorFromLibRdKafkaError } = require('@confluentinc/kafka-javascript/lib/kafkajs/_common.js') as {
  createKafkaJsErrorFromLibRdKafkaError(err: object): Error & { code?: number; retriable?: boolean };
};
const { KafkaJSError } = require('@confluentinc/kafka-javascript/lib/kafkajs/_error.js') as { KafkaJSError: new () => Error };

/** librdkafka's COORDINATOR_NOT_AVAILABLE (Kafka error code 15), as the native binding reports it. */
const coordinatorNotAvailable = () => Object.assign(new Error('Broker: Coordinator not available'), { code: 15, retriable: true, fatal: false, abortable: false });

describe('kafka-client-fixes', () => {
  it('turns a "coordinator not available" reply into a retriable client error instead of a TypeError that kills the process', () => {
    const err = createKafkaJsErrorFromLibRdKafkaError(coordinatorNotAvailable());
    expect(err).toBeInstanceOf(KafkaJSError);
    expect(err).toMatchObject({ code: 15, retriable: true });
  });

  it('is still needed by the installed client (drop the module once this fails)', () => {
    expect(coordinatorErrorMended).toBe(true);
  });
});
