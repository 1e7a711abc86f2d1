/**
 * The node-rdkafka producer under a KafkaJS-style one, for the hot paths that hand records to
 * librdkafka one native call each: the KafkaJS layer's send() wraps every record in promises, a
 * Promise.all, a per-partition map and string offsets, which cost more than the native call.
 */
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { EventEmitter } from 'node:events';
import type { Flushable } from './prompt-flush.ts';

/** The calls of the native producer used here. */
export interface NativeProducer extends EventEmitter, Flushable {
  produce(topic: string, partition: number | null, value: Buffer | null, key: Buffer | string | null, timestamp: number | null, opaque?: unknown): boolean;
  isConnected(): boolean;
}

/** librdkafka's delivery report event of the native producer. */
export const DELIVERY_REPORT = 'delivery-report';

export const nativeProducerOf = (producer: KafkaJS.Producer): NativeProducer => (producer as unknown as { _getInternalClient(): NativeProducer })._getInternalClient();
