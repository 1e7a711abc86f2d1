import Kafka from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import { flushPromptly, type Flushable } from './prompt-flush.ts';

const E = Kafka.CODES.ERRORS;
const error = (code: number): Kafka.LibrdKafkaError => ({ code, message: `librdkafka error ${code}`, origin: 'kafka', errno: code, isFatal: false, isRetriable: false, isTxnRequiresAbort: false, name: 'LibrdKafkaError' }) as Kafka.LibrdKafkaError;

/** A producer whose flushes answer from a script, and which records the timeout each was given. */
function scripted(answers: Array<Kafka.LibrdKafkaError | null>): Flushable & { timeouts: number[] } {
  const timeouts: number[] = [];
  return {
    timeouts,
    flush(timeoutMs, cb) {
      timeouts.push(timeoutMs);
      setImmediate(() => cb(answers.shift() ?? null));
    },
  };
}

describe('flushPromptly', () => {
  it('resolves after the first flush that leaves nothing outstanding, asking with growing timeouts from 1 ms', async () => {
    const producer = scripted([error(E.ERR__TIMED_OUT), error(E.ERR__TIMED_OUT), error(E.ERR__TIMED_OUT), null]);
    await flushPromptly(producer, 60_000);
    expect(producer.timeouts).toEqual([1, 2, 4, 8]);
  });

  it('caps a single flush at 100 ms while records stay outstanding', async () => {
    const producer = scripted([...Array(9).fill(error(E.ERR__TIMED_OUT)), null]);
    await flushPromptly(producer, 60_000);
    expect(producer.timeouts).toEqual([1, 2, 4, 8, 16, 32, 64, 100, 100, 100]);
  });

  it('rejects with the flush error that is not a timeout, at once', async () => {
    const producer = scripted([error(E.ERR__TIMED_OUT), error(E.ERR__FATAL)]);
    await expect(flushPromptly(producer, 60_000)).rejects.toMatchObject({ code: E.ERR__FATAL });
    expect(producer.timeouts).toHaveLength(2);
  });

  it('rejects timed out once its own timeout has passed, asking no longer than what is left', async () => {
    const producer: Flushable & { timeouts: number[] } = {
      timeouts: [],
      flush(timeoutMs, cb) {
        this.timeouts.push(timeoutMs);
        setTimeout(() => cb(error(E.ERR__TIMED_OUT)), timeoutMs);
      },
    };
    await expect(flushPromptly(producer, 30)).rejects.toMatchObject({ code: E.ERR__TIMED_OUT });
    expect(Math.max(...producer.timeouts)).toBeLessThanOrEqual(30);
    expect(producer.timeouts.at(-1)).toBeLessThan(16);
  });
});
