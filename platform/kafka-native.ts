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

/** A native producer whose reports a timer polls for (`setPollInterval`) on the JavaScript thread. */
export interface PolledProducer {
  setPollInterval(intervalMs: number): unknown;
  /** Flushes for up to `timeoutMs`, then destroys the librdkafka handle on a worker thread. */
  disconnect(timeoutMs: number, cb: () => void): unknown;
}

/**
 * Stops the poll timer, then flushes and disconnects. The client's poll reads the librdkafka handle
 * without the lock its disconnect holds while it destroys that handle on a worker thread, and the
 * client stops the timer only once the disconnect is over: a poll firing in between uses freed
 * memory (a grant CLI died of SIGSEGV as it exited, its grant done). The flush serves the last
 * reports itself.
 */
export async function disconnectPolled(producer: PolledProducer, flushTimeoutMs: number): Promise<void> {
  producer.setPollInterval(0);
  await new Promise<void>((resolve) => producer.disconnect(flushTimeoutMs, () => resolve()));
}
