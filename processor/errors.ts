/**
 * The processor's failure classes, decided here and nowhere else. The processor fails closed:
 * - `data`: Postgres refused the values (SQLSTATE classes 22 and 23). Only this class, recurring
 *   when the record is applied alone, sends a record to the DLQ (with a FAILED ledger outcome).
 * - `producer-fenced`: the transactional producer cannot go on (fenced after a coordinator move or
 *   a transaction timeout, a call it never answered before the commit, or another fatal librdkafka
 *   state). A new producer with the same transactional.id recovers, as Kafka Streams does; the
 *   unit is retried.
 * - `zombie`: another live instance took this instance's group identity (FENCED_INSTANCE_ID).
 *   Only this, a stall past the configured bound, or a commit whose outcome no reply will tell
 *   (transactional-producer.ts) ends the process.
 * - `transient`: everything else — other SQLSTATEs (permissions, missing relations, read-only
 *   after a failover), sockets, pool timeouts, registry outages, broker errors, even our own bugs:
 *   not the record's fault, so it is retried from the last committed offsets.
 */
export type FailureClass = 'data' | 'producer-fenced' | 'zombie' | 'transient';

/** Ends the process (exit 1): a zombie instance, no progress for longer than allowed, or a commit in doubt. */
export class FatalProcessorError extends Error {
  override name = 'FatalProcessorError';
}

/**
 * A zombie: another live instance took this instance's group.instance.id (FENCED_INSTANCE_ID).
 * librdkafka holds such a consumer in a fatal state and never finishes closing it
 * (rd_kafka_consumer_close waits forever), so the process exits without closing it.
 */
export class FencedInstanceError extends FatalProcessorError {
  override name = 'FencedInstanceError';
}

/**
 * A transactional call librdkafka never answered, its own timeout notwithstanding (librdkafka
 * #5456, #5511: send_offsets_to_transaction waits forever for a group coordinator that went away).
 * The producer cannot go on; a new one with the same transactional.id aborts what it left open.
 */
export class TransactionCallHungError extends Error {
  override name = 'TransactionCallHungError';
}

/** A record whose writer schema the registry does not know (yet): retried for a grace period. */
export class SchemaNotYetKnownError extends Error {
  override name = 'SchemaNotYetKnownError';
}

interface ErrorLike {
  fatal?: boolean;
  code?: number | string;
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation). */
const DATA_SQLSTATE = /^2[23][0-9A-Z]{3}$/;

/** Broker FENCED_INSTANCE_ID: our group.instance.id is in use by another live member. */
const FENCED_INSTANCE_ID = 82;

/** librdkafka _FENCED, _FATAL; broker INVALID_PRODUCER_EPOCH, PRODUCER_FENCED, INVALID_PRODUCER_ID_MAPPING. */
const PRODUCER_FENCED_CODES = new Set([-144, -150, 47, 90, 49]);

export function classify(err: unknown): FailureClass {
  if (typeof err !== 'object' || err === null) return 'transient';
  if (err instanceof FatalProcessorError) return 'zombie';
  if (err instanceof TransactionCallHungError) return 'producer-fenced';
  const e = err as ErrorLike;
  if (e.code === FENCED_INSTANCE_ID) return 'zombie';
  if (typeof e.code === 'string' && DATA_SQLSTATE.test(e.code)) return 'data';
  if (e.fatal === true || (typeof e.code === 'number' && PRODUCER_FENCED_CODES.has(e.code))) return 'producer-fenced';
  return 'transient';
}

/**
 * Whether a Postgres connection that saw `err` must not be reused: anything but a data error may
 * have left it in an unknown state (a dropped socket, a cancelled statement mid-transaction).
 */
export const poisonsConnection = (err: unknown): boolean => classify(err) !== 'data';

export function backoffMs(attempt: number, baseMs = 100, capMs = 5000): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 16));
  // Full jitter: instances that failed together do not retry together.
  return Math.round(Math.random() * exp);
}

