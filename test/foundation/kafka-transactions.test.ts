/**
 * What the processor's exactly-once design rests on (docs/architecture.md,
 * "Exactly once, step by step"), proven against the real broker: records of a transaction reach `read_committed`
 * readers only when it commits, never when it aborts, and offsets sent inside a transaction are
 * committed to the consumer group only together with it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { readCommitted, type ConsumedRecord } from '../../ops/verify/read-committed.ts';
import { eventually } from '../support/eventually.ts';
import { kafkaFixture, type KafkaFixture } from './kafka-fixture.ts';

const { READ_COMMITTED, READ_UNCOMMITTED } = KafkaJS.IsolationLevel;

const valuesOf = (records: ConsumedRecord[]): string[] => records.map((r) => r.value?.toString() ?? '<null>').sort();
const labelled = (label: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${label}-${String(i).padStart(3, '0')}`);
const toMessages = (values: string[], partition?: number): KafkaJS.Message[] =>
  values.map((value) => ({ key: value, value, ...(partition === undefined ? {} : { partition }) }));

let fx: KafkaFixture;

beforeAll(async () => {
  fx = await kafkaFixture();
});

afterAll(async () => {
  await fx?.cleanup();
});

describe('transactional records and read_committed', () => {
  it('keeps an open transaction\'s records invisible until commit, then shows all of them', async () => {
    const topic = await fx.createTopic(3);
    const producer = await fx.transactionalProducer();
    const values = labelled('open', 60);

    const txn = await producer.transaction();
    await txn.send({ topic, messages: toMessages(values) });

    // The records are in the log (their delivery reports came back) ...
    expect(await fx.endOffsetSum(topic, READ_UNCOMMITTED)).toBe(values.length);
    // ... but the last stable offset stays behind the open transaction on every partition.
    expect(await fx.endOffsetSum(topic, READ_COMMITTED)).toBe(0);
    expect(await readCommitted(topic)).toEqual([]);

    await txn.commit();

    const visible = await eventually(async () => {
      const records = await readCommitted(topic);
      return records.length >= values.length ? records : undefined;
    });
    expect(valuesOf(visible)).toEqual(values);
  });

  it('never shows the records of an aborted transaction, even after later commits', async () => {
    const topic = await fx.createTopic(3);
    const producer = await fx.transactionalProducer();
    const aborted = labelled('aborted', 30);
    const committed = labelled('committed', 20);

    const doomed = await producer.transaction();
    // Partition 2 gets only aborted records: a reader must step over them and the abort marker.
    await doomed.send({ topic, messages: [...toMessages(aborted.slice(0, 10), 0), ...toMessages(aborted.slice(10, 20), 1), ...toMessages(aborted.slice(20), 2)] });
    await doomed.abort();

    const kept = await producer.transaction();
    await kept.send({ topic, messages: [...toMessages(committed.slice(0, 10), 0), ...toMessages(committed.slice(10), 1)] });
    await kept.commit();

    // Every partition's stable end has passed both transactions (markers included) ...
    await eventually(async () => (await fx.endOffsetSum(topic, READ_COMMITTED)) > aborted.length + committed.length);
    // ... and the aborted records occupy the log, yet a read_committed reader sees only the others.
    expect(await fx.endOffsetSum(topic, READ_UNCOMMITTED)).toBeGreaterThan(aborted.length + committed.length);
    const records = await readCommitted(topic);
    expect(valuesOf(records)).toEqual(committed);
    expect(records.filter((r) => r.partition === 2)).toEqual([]);
  });
});

describe('offsets sent inside a transaction', () => {
  it('commits the group offset with the transaction and discards it on abort', async () => {
    const input = await fx.createTopic(1);
    const output = await fx.createTopic(1);
    const groupId = `test-txn-group-${randomUUID()}`;
    const inputCount = 40;

    const seed = await fx.transactionalProducer();
    const seeding = await seed.transaction();
    await seeding.send({ topic: input, messages: toMessages(labelled('input', inputCount)) });
    await seeding.commit();

    // A consumer that is a live member of the group: sendOffsets carries its group metadata.
    const consumer = fx.kafka.consumer({ kafkaJS: { groupId, fromBeginning: true, autoCommit: false } });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [input] });
      const consumedOffsets: number[] = [];
      void consumer.run({
        eachMessage: async ({ message }) => {
          consumedOffsets.push(Number(message.offset));
        },
      });
      await eventually(() => consumedOffsets.length === inputCount, 60_000);

      /** The group's committed offset of the input partition; with requireStable the broker answers only once no transactional commit is pending. */
      const committedOffset = async (requireStableOffsets: boolean): Promise<string> => {
        const [topicOffsets] = await fx.admin.fetchOffsets({ groupId, topics: [input], requireStableOffsets, timeout: 5000 });
        const partition = topicOffsets?.partitions.find((p) => p.partition === 0);
        if (!partition || partition.error) throw new Error(`no offset for ${input}/0: ${partition?.error?.message ?? 'missing'}`);
        return partition.offset;
      };
      const producer = await fx.transactionalProducer();
      const consumeTransform = async (label: string, nextOffset: number): Promise<KafkaJS.Producer> => {
        const txn = await producer.transaction();
        await txn.send({ topic: output, messages: toMessages([label]) });
        await txn.sendOffsets({ consumer, topics: [{ topic: input, partitions: [{ partition: 0, offset: String(nextOffset) }] }] });
        return txn;
      };

      // A first committed transaction moves the group to the middle of the input.
      await (await consumeTransform('first', 15)).commit();
      await eventually(async () => (await committedOffset(true)) === '15');

      // An open transaction's offsets are not the group's offsets, and abort throws them away.
      const aborted = await consumeTransform('aborted', inputCount);
      expect(await committedOffset(false)).toBe('15');
      await aborted.abort();
      expect(await eventually(() => committedOffset(true))).toBe('15');

      // The same offsets in a committed transaction do move the group.
      await (await consumeTransform('second', inputCount)).commit();
      await eventually(async () => (await committedOffset(true)) === String(inputCount));

      // Outputs went with their offsets: both committed transactions' records, not the aborted one.
      expect(valuesOf(await readCommitted(output))).toEqual(['first', 'second']);
    } finally {
      await consumer.disconnect();
      await fx.admin.deleteGroups([groupId]).catch(() => undefined); // leave no test group in __consumer_offsets
    }
  });
});
