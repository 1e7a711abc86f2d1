/** The processor's Kafka clients, configured for exactly-once v2 (read_committed, transactions, no auto-commit). */
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { kafkaJsClient } from '../platform/kafka-config.ts';
import type { ProcessorConfig } from './config.ts';
import { FencedInstanceError } from './errors.ts';
import type { ModeStrategy } from './mode.ts';

export function kafkaClient(config: ProcessorConfig, log: Logger): KafkaJS.Kafka {
  return kafkaJsClient(config.kafka, { log: log.child({ component: 'kafka' }, { level: 'warn' }), logLevel: KafkaJS.logLevel.WARN });
}

export function createConsumer(kafka: KafkaJS.Kafka, config: ProcessorConfig, mode: ModeStrategy): KafkaJS.Consumer {
  return kafka.consumer({
    kafkaJS: { groupId: config.groupId, autoCommit: false, fromBeginning: true, readUncommitted: false },
    // Hand over several transactions' worth at once, so that they are pipelined (pipeline.ts).
    'js.consumer.max.batch.size': mode.unitRecords * mode.unitsPerFetch,
    'fetch.wait.max.ms': config.batchMaxWaitMs,
    // Eager, not cooperative-sticky: a cooperative rebalance takes partitions away in one
    // generation and hands them out in the next, which the member that gave them up triggers by
    // rejoining. A static member killed before it rejoined comes back into a Stable group, gets
    // its old assignment and triggers nothing: the partitions in between stayed unowned, unread
    // by every processor, until the next rebalance (seen in a chaos run: two partitions waited
    // minutes). An eager generation assigns every partition.
    'partition.assignment.strategy': 'range',
    'group.instance.id': config.groupInstanceId,
    'session.timeout.ms': config.sessionTimeoutMs,
  });
}

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
 * Calls `onFatal` when the consumer hits a fatal error: with static membership that means another
 * live member took this instance's group.instance.id (FENCED_INSTANCE_ID) — this one is a zombie.
 * librdkafka raises it only as a log event of facility FATAL (the KafkaJS-style client logs it
 * and keeps polling a consumer that will never get a record again), so that is where we listen.
 */
export function onConsumerFatal(consumer: KafkaJS.Consumer, onFatal: (err: Error) => void): void {
  const internal = (consumer as unknown as { _getInternalClient(): NodeJS.EventEmitter })._getInternalClient();
  internal.on('event.log', (event: { fac?: string; message?: string }) => {
    if (event.fac === 'FATAL') onFatal(new FencedInstanceError(`consumer fenced out of the group: ${event.message ?? 'fatal error'}`));
  });
}
