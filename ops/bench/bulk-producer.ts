/**
 * Producing many records as fast as librdkafka allows (its native API: one produce() call per
 * record into the client's queue, delivery reports counted as they come back), with the
 * durability the services use: idempotent, acks=all, lz4.
 */
import Kafka from '@confluentinc/kafka-javascript';
import { rdkafkaConfig, type KafkaConnection } from '../../platform/kafka-config.ts';
import { disconnectPolled } from '../../platform/kafka-native.ts';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { BenchError } from './context.ts';

export interface KeyedValue {
  key: string;
  value: Buffer;
}

const QUEUE_FULL = Kafka.CODES.ERRORS.ERR__QUEUE_FULL;
const MESSAGE_TIMEOUT_MS = 60_000;
const TRANSACTION_TIMEOUT_MS = 300_000;

export interface BulkProducerOptions {
  /**
   * Produce in one transaction (produceAllAtOnce): read_committed consumers see none of the
   * records until all are written, then all of them at once.
   */
  transactionalId?: string;
  /** Partition by key like the gateway (Java's murmur2) instead of librdkafka's default. */
  murmur2?: boolean;
}

export class BulkProducer {
  private constructor(private readonly producer: Kafka.Producer) {}

  static async connect(kafka: KafkaConnection, options: BulkProducerOptions = {}): Promise<BulkProducer> {
    const producer = new Kafka.Producer(rdkafkaConfig(kafka, {
      'enable.idempotence': true,
      acks: -1,
      'compression.codec': 'lz4',
      'linger.ms': 5,
      'queue.buffering.max.messages': 1_000_000,
      'message.timeout.ms': MESSAGE_TIMEOUT_MS,
      dr_cb: true,
      ...(options.murmur2 ? { partitioner: 'murmur2_random' } : {}),
      ...(options.transactionalId ? { 'transactional.id': options.transactionalId, 'transaction.timeout.ms': TRANSACTION_TIMEOUT_MS } : {}),
    }));
    await promisify<void>((cb) => producer.connect({}, (err) => cb(err)))();
    producer.setPollInterval(5);
    if (options.transactionalId) await promisify<void>((cb) => producer.initTransactions(30_000, (err) => cb(err)))();
    return new BulkProducer(producer);
  }

  /** produceAll in one transaction (connect with a transactionalId); returns the ms until it committed. */
  async produceAllAtOnce(topic: string, records: readonly KeyedValue[]): Promise<number> {
    const started = performance.now();
    await promisify<void>((cb) => this.producer.beginTransaction((err) => cb(err)))();
    await this.produceAll(topic, records);
    await promisify<void>((cb) => this.producer.commitTransaction(TRANSACTION_TIMEOUT_MS, (err) => cb(err)))();
    return performance.now() - started;
  }

  /** Produces every record (in order per key) and resolves once all are acknowledged; returns the elapsed ms. */
  async produceAll(topic: string, records: readonly KeyedValue[]): Promise<number> {
    const started = performance.now();
    let acknowledged = 0;
    let failure: Error | undefined;
    let settle: () => void = () => undefined;
    const allAcknowledged = new Promise<void>((resolve) => (settle = resolve));
    const onReport = (err: Kafka.LibrdKafkaError | null): void => {
      if (err) failure ??= new BenchError(`delivery to ${topic} failed: ${err.message}`);
      if (++acknowledged === records.length) settle();
    };
    this.producer.on('delivery-report', onReport);
    try {
      if (records.length === 0) settle();
      const deadline = Date.now() + MESSAGE_TIMEOUT_MS;
      for (let i = 0; i < records.length; ) {
        try {
          this.producer.produce(topic, null, records[i]!.value, records[i]!.key);
          i++;
        } catch (err) {
          if ((err as Kafka.LibrdKafkaError).code !== QUEUE_FULL || Date.now() > deadline) throw err;
          // The client's queue is full: let the poll timer hand back delivery reports first.
          await new Promise((r) => setTimeout(r, 2));
        }
      }
      // Every record ends in a report (success, or failure after message.timeout.ms), so this settles.
      await allAcknowledged;
      if (failure) throw failure;
      return performance.now() - started;
    } finally {
      this.producer.removeListener('delivery-report', onReport);
    }
  }

  disconnect(): Promise<void> {
    return disconnectPolled(this.producer, MESSAGE_TIMEOUT_MS);
  }
}
