/**
 * What a failed produce means for the request (docs/gate.md): either the record certainly never
 * reached a broker — the reservation can be undone and the client told "not accepted" — or it may
 * have been written. librdkafka's ERR__MSG_TIMED_OUT is the main case of the second kind: a
 * message that times out while in flight "may be written to the topic log by the broker, even
 * though a delivery report with error ERR__MSG_TIMED_OUT will be raised" (librdkafka
 * INTRODUCTION.md, idempotent producer), and the JavaScript binding does not expose the message's
 * persistence status. So only errors that librdkafka raises before handing the record to a broker,
 * or that a broker raises for the whole batch without writing it, count as certain; everything
 * else, including errors without a librdkafka code, is unknown.
 */
import { KafkaJS } from '@confluentinc/kafka-javascript';

export type ProduceFailure = 'NOT_QUEUED' | 'UNKNOWN';

const codes = KafkaJS.ErrorCodes;

/** librdkafka error codes that mean the record was not written. */
const NOT_WRITTEN: ReadonlySet<number> = new Set([
  codes.ERR__QUEUE_FULL, // refused by produce(): the local queue is full
  codes.ERR__INVALID_ARG, // refused by produce()
  codes.ERR__STATE, // the producer is not connected
  codes.ERR__UNKNOWN_TOPIC, // no such topic in the metadata: never sent
  codes.ERR__UNKNOWN_PARTITION,
  codes.ERR__PURGE_QUEUE, // purged while still queued locally (PURGE_INFLIGHT is not certain)
  codes.ERR_MSG_SIZE_TOO_LARGE, // local size check, or the broker refusing the whole batch
  codes.ERR_RECORD_LIST_TOO_LARGE,
  codes.ERR_INVALID_MSG_SIZE,
]);

/** The librdkafka code carried by a KafkaJS-style or a plain librdkafka error, if any. */
export function librdkafkaCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function classifyProduceFailure(err: unknown): ProduceFailure {
  const code = librdkafkaCode(err);
  return code !== undefined && NOT_WRITTEN.has(code) ? 'NOT_QUEUED' : 'UNKNOWN';
}
