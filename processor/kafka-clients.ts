/** The processor's Kafka clients, configured for exactly-once v2 (read_committed, transactions, no auto-commit). */
import Kafka, { KafkaJS } from '@confluentinc/kafka-javascript';
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { kafkaJsClient, rdkafkaConfig } from '../platform/kafka-config.ts';
import type { ProcessorConfig } from './config.ts';
import { FencedInstanceError } from './errors.ts';
import type { GroupView } from './lag-monitor.ts';

export function kafkaClient(config: ProcessorConfig, log: Logger): KafkaJS.Kafka {
  return kafkaJsClient(config.kafka, { log: log.child({ component: 'kafka' }, { level: 'warn' }), logLevel: KafkaJS.logLevel.WARN });
}

export type NativeConsumer = InstanceType<typeof Kafka.KafkaConsumer>;

/**
 * The processing consumer: a librdkafka consumer whose poll loop is ours (processing-loop.ts), so
 * that fetching overlaps the partitions' work. Partitions are taken and given up by the loop, on
 * the client's 'rebalance' event: a rebalance callback of our own keeps the client from doing it.
 */
export function createConsumer(config: ProcessorConfig): NativeConsumer {
  const consumer: NativeConsumer = new Kafka.KafkaConsumer(
    rdkafkaConfig(config.kafka, {
      'group.id': config.groupId,
      'group.instance.id': config.groupInstanceId,
      'enable.auto.commit': false,
      'isolation.level': 'read_committed',
      // A fetch returns once this many bytes wait or the wait is over: under light traffic the
      // consumer fetches every batchMaxWaitMs instead of once per produce request of the
      // gateways, and a transaction takes what arrived meanwhile. At 1,000 requests/s that
      // took a fifth of the broker's CPU and a third of the processor's (performance log).
      'fetch.min.bytes': config.fetchMinBytes,
      'fetch.wait.max.ms': config.batchMaxWaitMs,
      // Eager, not cooperative-sticky: a cooperative rebalance takes partitions away in one
      // generation and hands them out in the next, which the member that gave them up triggers by
      // rejoining. A static member killed before it rejoined comes back into a Stable group, gets
      // its old assignment and triggers nothing: the partitions in between stayed unowned, unread
      // by every processor, until the next rebalance (seen in a chaos run: two partitions waited
      // minutes). An eager generation assigns every partition.
      'partition.assignment.strategy': 'range',
      'session.timeout.ms': config.sessionTimeoutMs,
      log_level: 4,
      rebalance_cb: () => undefined,
      // The client's own hook (as its KafkaJS layer uses it): polls do not wait inside librdkafka,
      // where each wait would hold one of libuv's four threads that the producer's transaction
      // calls need too; the loop polls again when this says records (or events) are waiting.
      queue_non_empty_cb: () => (consumer as EventEmitter).emit(QUEUE_NON_EMPTY),
    }),
    // A topic property: in the global configuration the (empty) topic configuration would
    // override it, and a new group would start at the end, past the requests already waiting.
    { 'auto.offset.reset': 'earliest' },
  );
  return consumer;
}

/** Emitted by the processing consumer when its queue of fetched records and events becomes non-empty. */
export const QUEUE_NON_EMPTY = 'queue.non-empty';

/** Connects the consumer (it fetches the cluster's metadata once). */
export function connectConsumer(consumer: NativeConsumer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => consumer.connect({ timeout: timeoutMs }, (err) => (err ? reject(err) : resolve())));
}

export function disconnectConsumer(consumer: NativeConsumer): Promise<void> {
  return new Promise((resolve) => consumer.disconnect(() => resolve()));
}

/** The consumer as the lag monitor reads it: its assignment and its group's committed offsets. */
export function groupView(consumer: NativeConsumer): GroupView {
  return {
    assignment: () => consumer.assignments(),
    committed: (partitions, timeoutMs) =>
      new Promise((resolve, reject) =>
        consumer.committed(partitions, timeoutMs, (err, committed) => (err ? reject(err) : resolve(committed.map((c) => ({ partition: c.partition, offset: c.offset }))))),
      ),
  };
}

/**
 * The KafkaJS layer's sendOffsets reads the group's metadata (generation, member id) from the
 * native client under the consumer it is given: the processing consumer is that native client.
 */
export const asKafkaJsConsumer = (consumer: NativeConsumer): KafkaJS.Consumer => ({ _getInternalClient: () => consumer }) as unknown as KafkaJS.Consumer;

export function createProducer(kafka: KafkaJS.Kafka, config: ProcessorConfig): KafkaJS.Producer {
  return kafka.producer({
    kafkaJS: {
      transactionalId: config.transactionalId,
      idempotent: true,
      maxInFlightRequests: 5,
      // A transaction begun right after the previous commit meets CONCURRENT_TRANSACTIONS at the
      // coordinator until that commit's markers are written; the KafkaJS layer's default backoff
      // (300 ms, growing to 30 s) turned that into 300-500 ms pauses in sendOffsets. Java's
      // producer waits 20 ms for this error (KAFKA-5477); librdkafka caps its growth at 1 s.
      retry: { initialRetryTime: 20, maxRetryTime: 1000 },
    },
    'transaction.timeout.ms': config.transactionTimeoutMs,
    // librdkafka requires socket.timeout.ms <= transaction.timeout.ms + 100.
    'socket.timeout.ms': Math.min(60_000, config.transactionTimeoutMs),
    'linger.ms': 2,
    'compression.type': 'lz4',
    // The commit proves delivery (transaction-records.ts): no report per delivered record.
    'delivery.report.only.error': true,
  });
}

/**
 * Logs librdkafka's warnings and calls `onFatal` when the consumer hits a fatal error: with static
 * membership that means another live member took this instance's group.instance.id
 * (FENCED_INSTANCE_ID) — this one is a zombie. librdkafka raises it as a log event of facility
 * FATAL, besides the poll's error.
 */
export function watchConsumer(consumer: NativeConsumer, log: Logger, onFatal: (err: Error) => void): void {
  consumer.on('event.log', (event: { fac?: string; message?: string; severity?: number }) => {
    if (event.fac === 'FATAL') onFatal(new FencedInstanceError(`consumer fenced out of the group: ${event.message ?? 'fatal error'}`));
    else log.warn({ facility: event.fac }, event.message ?? 'librdkafka');
  });
  consumer.on('event.error', (err) => log.warn({ err }, 'consumer error'));
}
