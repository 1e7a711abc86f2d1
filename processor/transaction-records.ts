/**
 * Hands a transaction's output records to librdkafka one native call each, without a promise or a
 * delivery report per record. The transaction's commit is what proves delivery: librdkafka flushes
 * every record of the transaction first, and fails the commit (abortable) if any of them failed —
 * so per-record acknowledgements add nothing to exactly-once but cost a JavaScript object, a key
 * buffer and a callback each. The producer is configured with `delivery.report.only.error`
 * (kafka-clients.ts), and the KafkaJS layer's report handler — which requires a per-record
 * promise — is replaced by one that only logs the failures the commit will report anyway.
 */
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { DELIVERY_REPORT, nativeProducerOf } from '../platform/kafka-native.ts';

export interface TopicRecords {
  topic: string;
  messages: Array<{ key: Buffer | string | null; value: Buffer | null }>;
}

/** Failed records are counted and logged at most this often: an aborted transaction purges thousands at once. */
const FAILURE_LOG_INTERVAL_MS = 5000;

/** Call once the producer is connected (the KafkaJS layer registers its handler on connect). */
export function takeOverDeliveryReports(producer: KafkaJS.Producer, log: Logger): void {
  const native = nativeProducerOf(producer);
  native.removeAllListeners(DELIVERY_REPORT);
  let failed = 0;
  let loggedAt = 0;
  native.on(DELIVERY_REPORT, (err: Error | null) => {
    if (!err) return;
    failed++;
    const now = Date.now();
    if (now - loggedAt < FAILURE_LOG_INTERVAL_MS) return;
    log.warn({ err, failedSinceLastWarning: failed }, 'output records failed (or were purged by an abort); their transaction does not commit and is retried');
    loggedAt = now;
    failed = 0;
  });
}

/** Produces every record into the open transaction; throws librdkafka's error if one is refused at once (queue full, fatal state). */
export function produceRecords(producer: KafkaJS.Producer, topicRecords: readonly TopicRecords[]): void {
  const native = nativeProducerOf(producer);
  for (const { topic, messages } of topicRecords) {
    for (const m of messages) native.produce(topic, null, m.value, m.key, null);
  }
}
