/**
 * Failure classes of the processing loop. Transient failures (Postgres or broker unavailable,
 * transaction timeouts, registry outages) abort the transaction and are retried from the last
 * committed offsets; fatal producer errors (fenced) end the process; anything else is a failure of
 * particular records, isolated and dead-lettered so the partition keeps flowing.
 */
import { RegistryUnavailableError } from '../schemas/errors.ts';

export class FatalProcessorError extends Error {
  override name = 'FatalProcessorError';
}

interface KafkaLikeError {
  name?: string;
  fatal?: boolean;
  retriable?: boolean;
  abortable?: boolean;
  code?: number | string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** SQLSTATE classes that say "the database, not the data": connection, resources, operator, serialization. */
const TRANSIENT_SQLSTATE = /^(08|53|57|58|40|55P03|XX000)/;

/** librdkafka: _FENCED, _FATAL; broker: INVALID_PRODUCER_EPOCH, PRODUCER_FENCED. */
const FENCED_CODES = new Set([-144, -150, 47, 90]);

/** The producer cannot go on: fenced by a newer instance, or in a state only a new client clears. */
export function isFatalKafkaError(err: unknown): boolean {
  if (err instanceof FatalProcessorError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as KafkaLikeError;
  return e.fatal === true || (typeof e.code === 'number' && FENCED_CODES.has(e.code));
}

export function isTransient(err: unknown): boolean {
  if (err instanceof RegistryUnavailableError) return true;
  if (isFatalKafkaError(err)) return false;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as KafkaLikeError & { message?: string };
  if (e.name?.startsWith('KafkaJS')) return !e.fatal;
  if (typeof e.code === 'string') {
    if (NETWORK_CODES.has(e.code)) return true;
    if (/^[0-9A-Z]{5}$/.test(e.code)) return TRANSIENT_SQLSTATE.test(e.code);
  }
  // pg reports a dropped connection without a code.
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(e.message ?? '');
}

export function backoffMs(attempt: number, baseMs = 100, capMs = 5000): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 16));
  // Full jitter: instances that failed together do not retry together.
  return Math.round(Math.random() * exp);
}
