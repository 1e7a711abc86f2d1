/**
 * Kafka's ceiling on the same broker: librdkafka producing request-sized records (real encoded
 * CouponIssueRequested values, keyed by coupon) into a scratch topic with the requests topic's
 * partition count, then one read_committed consumer reading them all back. The topic is deleted
 * afterwards.
 */
import Kafka from '@confluentinc/kafka-javascript';
import { rdkafkaConfig } from '../../platform/kafka-config.ts';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { TOPICS } from '../../schemas/topics.ts';
import { topicEnds } from '../verify/read-committed.ts';
import { BulkProducer, type KeyedValue } from './bulk-producer.ts';
import { BenchError, type BenchContext } from './context.ts';
import { buildRequests } from './request-input.ts';
import { recordKey } from '../../schemas/record-key.ts';

export interface KafkaLimits {
  produceMsgsPerS: number;
  consumeMsgsPerS: number;
  recordBytes: number;
}

const COUPON_IDS = Array.from({ length: 100 }, (_, i) => 1_000_000 + i);

async function consumeAll(ctx: BenchContext, topic: string, partitions: number, expected: number): Promise<number> {
  const consumer = new Kafka.KafkaConsumer(
    rdkafkaConfig(ctx.kafka, { 'group.id': `bench-limit-${ctx.runId}`, 'enable.auto.commit': false, 'isolation.level': 'read_committed' }),
    {},
  );
  await promisify<void>((cb) => consumer.connect({}, (err) => cb(err)))();
  try {
    consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 })));
    consumer.setDefaultConsumeTimeout(1000);
    const consume = promisify<number, Kafka.Message[]>((n, cb) => consumer.consume(n, cb));
    return await ctx.measureCpu('limits kafka consume', async () => {
      const started = performance.now();
      const deadline = Date.now() + 300_000;
      let seen = 0;
      while (seen < expected) {
        if (Date.now() > deadline) throw new BenchError(`consumed ${seen} of ${expected} records of ${topic} in 300 s`);
        seen += (await consume(10_000)).length;
      }
      return expected / ((performance.now() - started) / 1000);
    });
  } finally {
    await promisify<void>((cb) => consumer.disconnect(() => cb(null)))();
  }
}

export async function measureKafka(ctx: BenchContext, records: number): Promise<KafkaLimits> {
  const topic = `bench-scratch-${ctx.runId}`;
  const partitions = (await topicEnds(TOPICS.requests, ctx.kafka)).size;
  const payload: KeyedValue[] = buildRequests(COUPON_IDS, records).map((r) => ({ key: recordKey(r.couponId), value: ctx.serde.encode(TOPICS.requests, r) }));
  const admin = Kafka.AdminClient.create(rdkafkaConfig(ctx.kafka, {}));
  try {
    await promisify<void>((cb) =>
      admin.createTopic({ topic, num_partitions: partitions, replication_factor: -1, config: { 'compression.type': 'lz4' } }, 30_000, (err) => cb(err)),
    )();
    const producer = await BulkProducer.connect(ctx.kafka);
    let produceMs: number;
    try {
      produceMs = await ctx.measureCpu('limits kafka produce', () => producer.produceAll(topic, payload));
    } finally {
      await producer.disconnect();
    }
    const consumeMsgsPerS = await consumeAll(ctx, topic, partitions, records);
    return { produceMsgsPerS: records / (produceMs / 1000), consumeMsgsPerS, recordBytes: payload[0]!.value.length };
  } finally {
    await promisify<void>((cb) =>
      admin.deleteTopic(topic, 30_000, (err) => {
        // A scratch topic left behind costs disk, not correctness: say so and go on.
        if (err) ctx.progress('limits', `could not delete ${topic}: ${err.message}`);
        cb(null);
      }),
    )();
    admin.disconnect();
  }
}
