/**
 * `dlq replay`: which selected dead letters go back to the requests topic, with what key and
 * headers, and the one Kafka transaction that puts them there.
 */
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type pg from 'pg';
import { isUuid } from '../../processor/validate.ts';
import type { DeadLetterHeader } from '../../schemas/contracts.ts';
import { formatPosition, HEADERS } from '../../schemas/headers.ts';
import { TOPICS } from '../../schemas/topics.ts';
import type { DeadLetterEntry } from './dead-letters.ts';
import { isPermanent } from './dlq-selection.ts';
import { recordKey } from '../../schemas/record-key.ts';
import type { TerminalOutcome } from '../../schemas/outcomes.ts';

export const DEFAULT_REPLAY_TRANSACTIONAL_ID = 'coupon-ops-dlq-replay';
const REPLAY_TRANSACTION_TIMEOUT_MS = 10_000;

export interface ReplayItem {
  entry: DeadLetterEntry;
  /** The original request's event id, when it has one. */
  eventId: string | null;
  /** Why it is not replayed; null: it is. */
  refused: string | null;
}

export function eventIdOf(entry: DeadLetterEntry): string | null {
  return entry.letter?.eventId ?? (entry.original.kind === 'request' ? entry.original.request.eventId : null);
}

/** Permanent causes are refused unless forced; a dead letter that cannot be read cannot be replayed at all. */
export function planReplay(entries: DeadLetterEntry[], force: boolean): ReplayItem[] {
  return entries.map((entry) => {
    let refused: string | null = null;
    if (!entry.letter) refused = `the dead letter itself cannot be decoded (${entry.letterProblem})`;
    else if (isPermanent(entry.letter.errorType) && !force) refused = `permanent cause ${entry.letter.errorType}: the same bytes fail again (--force replays them anyway)`;
    return { entry, eventId: eventIdOf(entry), refused };
  });
}

/** The original key; a record that lost it gets its request's coupon id, as the gateway keys it. */
export function replayKey(entry: DeadLetterEntry): Buffer | null {
  if (entry.letter?.key) return entry.letter.key;
  return entry.original.kind === 'request' ? Buffer.from(recordKey(entry.original.request.couponId)) : null;
}

/** The original headers, with coupon-replayed-from naming this dead letter (replacing an earlier one). */
export function replayHeaders(entry: DeadLetterEntry): Record<string, Buffer[]> {
  const headers: Record<string, Buffer[]> = {};
  const add = (h: DeadLetterHeader): void => {
    if (h.value !== null) (headers[h.key] ??= []).push(h.value);
  };
  for (const h of entry.letter?.headers ?? []) if (h.key !== HEADERS.replayedFrom) add(h);
  add({ key: HEADERS.replayedFrom, value: Buffer.from(formatPosition(entry)) });
  return headers;
}

export interface Replayed {
  from: { partition: number; offset: number };
  to: { partition: number; offset: number };
}

/**
 * Produces the replayed records in one transaction of `transactionalId` (a stable id: a replay
 * that died half-way is aborted when the next one starts). All of them become visible, or none.
 */
export async function produceReplay(kafka: KafkaJS.Kafka, transactionalId: string, items: ReplayItem[]): Promise<Replayed[]> {
  // Keyed records go where the gateway's producer puts them (murmur2 of the key, the client's
  // KafkaJS-mode partitioner): the replay joins its coupon's partition and FCFS order.
  const producer = kafka.producer({
    kafkaJS: { transactionalId, idempotent: true, maxInFlightRequests: 5 },
    // A replay that dies mid-transaction holds back read_committed readers of its partitions until
    // the transaction times out (or the next replay with this id aborts it): keep that short.
    'transaction.timeout.ms': REPLAY_TRANSACTION_TIMEOUT_MS,
    'socket.timeout.ms': REPLAY_TRANSACTION_TIMEOUT_MS,
  });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    try {
      // One send per record: a send reports one offset per partition.
      const reports = await Promise.all(
        items.map((item) =>
          transaction.send({ topic: TOPICS.requests, messages: [{ key: replayKey(item.entry), value: item.entry.letter!.value, headers: replayHeaders(item.entry) }] }),
        ),
      );
      await transaction.commit();
      return items.map((item, i) => {
        const report = reports[i]![0]!;
        return { from: { partition: item.entry.partition, offset: item.entry.offset }, to: { partition: report.partition, offset: Number(report.baseOffset ?? report.offset) } };
      });
    } catch (err) {
      await transaction.abort().catch(() => undefined);
      throw err;
    }
  } finally {
    await producer.disconnect();
  }
}

export interface LedgerState {
  outcome: TerminalOutcome;
  reason: string | null;
}

/** The ledger's outcome of each event id that has one. */
export async function ledgerStates(db: pg.Pool, eventIds: Array<string | null>): Promise<Map<string, LedgerState>> {
  const ids = [...new Set(eventIds.filter((id): id is string => id !== null && isUuid(id)).map((id) => id.toLowerCase()))];
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ event_id: string } & LedgerState>('SELECT event_id, outcome, reason FROM issue_outcomes WHERE event_id = ANY($1::uuid[])', [ids]);
  return new Map(rows.map((r) => [r.event_id, { outcome: r.outcome, reason: r.reason }]));
}
