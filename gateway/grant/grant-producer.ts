/**
 * Produces a grant's requests to coupon-issue-requests as fast as librdkafka allows (its native
 * API: one produce() per record into the client's queue), with the gateway's durability
 * (idempotent, acks=all, lz4) and its partitioning: Java's murmur2 of the coupon id, computed here,
 * so the grant's requests share the coupon's partition and first-come-first-served order.
 *
 * A batch is known delivered by flushing, not from a delivery report a record: librdkafka reports
 * failed records only (`delivery.report.only.error`). A report a record cost the grant CLI 4.8 of
 * its 12.9 µs a user (an object the client builds and emits, and ours per record). flush() waits
 * for every record of the producer, so batches take turns: one batch's records are in flight at a time.
 */
import Kafka from '@confluentinc/kafka-javascript';
import { promisify } from 'node:util';
import { rdkafkaConfig, type KafkaConnection } from '../../platform/kafka-config.ts';
import { disconnectPolled } from '../../platform/kafka-native.ts';
import type { RegistryConnection } from '../../platform/registry-config.ts';
import { topicPartitions } from '../../platform/topic-partitions.ts';
import { watermarks } from '../../platform/watermarks.ts';
import type { CouponIssueRequested } from '../../schemas/contracts.ts';
import { partitionFor } from '../../schemas/murmur2.ts';
import { recordKey } from '../../schemas/record-key.ts';
import { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import type { ProducedBatch } from './grant-progress.ts';
import { Turns } from './turns.ts';

/** A grant's record was not acknowledged (it may or may not be in Kafka: a re-run produces it again, harmlessly). */
export class GrantProduceError extends Error {
  override name = 'GrantProduceError';
}

const QUEUE_FULL = Kafka.CODES.ERRORS.ERR__QUEUE_FULL;
const MESSAGE_TIMEOUT_MS = 30_000;
/** A batch's produce and flush may take librdkafka's timeout and this: a record it gave up on fails the batch with its own error. */
const BATCH_TIMEOUT_MARGIN_MS = 5_000;
const METADATA_TIMEOUT_MS = 10_000;
/** How long closing waits for records still queued (none after a completed batch). */
const CLOSE_FLUSH_TIMEOUT_MS = 10_000;

type Producer = InstanceType<typeof Kafka.Producer>;

/** What librdkafka reported while a batch was in turn: its first failure (it reports nothing else). */
interface BatchReports {
  failure?: Kafka.LibrdKafkaError;
}

export class GrantProducer {
  private readonly turns = new Turns();
  /** The batch in turn. */
  private current: BatchReports = {};

  private constructor(
    private readonly producer: Producer,
    private readonly serde: Serde,
    private readonly partitions: number,
    private readonly batchTimeoutMs: number,
  ) {
    producer.on('delivery-report', (err) => {
      if (err) this.current.failure ??= err;
    });
  }

  /** `messageTimeoutMs`: how long librdkafka tries to deliver a record before it reports it failed (default 30 s). */
  static async start(kafka: KafkaConnection, registry: RegistryConnection, { messageTimeoutMs = MESSAGE_TIMEOUT_MS } = {}): Promise<GrantProducer> {
    const serde = new Serde(registry);
    await serde.register(TOPICS.requests);
    const producer = new Kafka.Producer(rdkafkaConfig(kafka, {
      'client.id': 'coupon-grant',
      'enable.idempotence': true,
      acks: -1,
      'compression.codec': 'lz4',
      'linger.ms': 5,
      'message.timeout.ms': messageTimeoutMs,
      dr_cb: true,
      'delivery.report.only.error': true,
    }));
    await promisify<void>((cb) => producer.connect({}, (err) => cb(err)))();
    producer.setPollInterval(5);
    const partitions = (await topicPartitions(producer, TOPICS.requests, METADATA_TIMEOUT_MS)).length;
    if (partitions === 0) throw new GrantProduceError(`topic ${TOPICS.requests} has no partitions in the cluster's metadata`);
    return new GrantProducer(producer, serde, partitions, messageTimeoutMs + BATCH_TIMEOUT_MARGIN_MS);
  }

  /**
   * Produces every request (all of one coupon) and resolves once all are acknowledged, with their
   * partition and an offset at or past the last of them (the partition's high watermark less
   * one); undefined for no requests. Throws GrantProduceError if a record was not acknowledged.
   */
  async sendAll(requests: readonly CouponIssueRequested[]): Promise<ProducedBatch | undefined> {
    if (requests.length === 0) return undefined;
    const turn = this.turns.next();
    await turn.after;
    try {
      return await this.produceAndFlush(requests);
    } finally {
      turn.done();
    }
  }

  private async produceAndFlush(requests: readonly CouponIssueRequested[]): Promise<ProducedBatch> {
    const couponId = requests[0]!.couponId;
    const key = recordKey(couponId);
    const partition = partitionFor(Buffer.from(key), this.partitions);
    const deadline = Date.now() + this.batchTimeoutMs;
    const batch: BatchReports = {};
    this.current = batch;
    for (let i = 0; i < requests.length; ) {
      const request = requests[i]!;
      if (request.couponId !== couponId) throw new GrantProduceError(`a grant batch mixes coupons ${couponId} and ${request.couponId}`);
      try {
        this.producer.produce(TOPICS.requests, partition, this.serde.encode(TOPICS.requests, request), key);
        i++;
      } catch (err) {
        if ((err as Kafka.LibrdKafkaError).code !== QUEUE_FULL || Date.now() > deadline) {
          throw new GrantProduceError(`producing the grant request of user ${request.userId} failed: ${(err as Error).message}`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    try {
      // Returns once no record is left in the client: each acknowledged, or failed and reported.
      await promisify<void>((cb) => this.producer.flush(Math.max(1, deadline - Date.now()), (err) => cb(err)))();
    } catch (err) {
      throw new GrantProduceError(`the grant's records of coupon ${couponId} were not all acknowledged in ${this.batchTimeoutMs} ms: ${(err as Error).message}`, { cause: err });
    }
    // The client hands reports to JavaScript through an async handle of its own, which libuv may
    // run after flush's completion in the same poll phase: by the check phase it has run.
    await new Promise((resolve) => setImmediate(resolve));
    if (batch.failure) throw new GrantProduceError(`a grant request of coupon ${couponId} was not acknowledged: ${batch.failure.message}`, { cause: batch.failure });
    const { highOffset } = await watermarks(this.producer, TOPICS.requests, partition, METADATA_TIMEOUT_MS);
    return { partition, offset: highOffset - 1, count: requests.length };
  }

  close(): Promise<void> {
    return disconnectPolled(this.producer, CLOSE_FLUSH_TIMEOUT_MS);
  }
}
