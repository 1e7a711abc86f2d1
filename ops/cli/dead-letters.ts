/**
 * The DLQ topic as the operator sees it: its committed records (read read_committed), each decoded
 * into the dead letter and, where possible, the original request inside it.
 */
import type avro from 'avsc';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { CouponIssueDeadLetter, CouponIssueRequested } from '../../schemas/contracts.ts';
import { DecodeError } from '../../schemas/errors.ts';
import type { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { readCommittedRange, type Offsets, type ReadOptions } from '../verify/read-committed.ts';

/** What the original record's value turned out to be. */
export type OriginalValue =
  | { kind: 'request'; schemaId: number; request: CouponIssueRequested }
  /** Avro under its own writer schema, but not readable as a request (e.g. another topic's record). */
  | { kind: 'avro'; schemaId: number; schemaName: string; value: unknown; problem: string }
  | { kind: 'bytes'; problem: string }
  | { kind: 'none' };

export interface DeadLetterEntry {
  /** Where the dead letter is in the DLQ topic. */
  partition: number;
  offset: number;
  writtenAt: number;
  letter: CouponIssueDeadLetter | null;
  /** Why the dead letter itself could not be decoded (letter is then null). */
  letterProblem: string | null;
  original: OriginalValue;
  /** The original request's coupon, else the original key if it is a coupon id. */
  couponId: number | null;
}

const SCHEMA_ID_AT = 1;
const BODY_AT = 5;

/** The original value decoded as a request, else under its own writer schema, else left as bytes. */
export async function decodeOriginal(serde: Serde, value: Buffer | null): Promise<OriginalValue> {
  if (value === null || value.length === 0) return { kind: 'none' };
  try {
    return { kind: 'request', schemaId: value.readInt32BE(SCHEMA_ID_AT), request: await serde.decode(TOPICS.requests, value) };
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    const problem = `${err.errorType}: ${err.message}`;
    if (err.errorType !== 'UNEXPECTED_SCHEMA') return { kind: 'bytes', problem };
    const schemaId = value.readInt32BE(SCHEMA_ID_AT);
    try {
      const writer = (await serde.registry.getSchema(schemaId)) as unknown as avro.Type;
      return { kind: 'avro', schemaId, schemaName: writer.name ?? '(unnamed)', value: writer.fromBuffer(value.subarray(BODY_AT)), problem };
    } catch {
      return { kind: 'bytes', problem };
    }
  }
}

const couponOfKey = (key: Buffer | null): number | null => {
  const text = key?.toString('utf8') ?? '';
  return /^[1-9]\d{0,15}$/.test(text) ? Number(text) : null;
};

async function toEntry(serde: Serde, r: { partition: number; offset: number; timestamp: number; key: Buffer | null; value: Buffer | null }): Promise<DeadLetterEntry> {
  let letter: CouponIssueDeadLetter | null = null;
  let letterProblem: string | null = null;
  try {
    letter = await serde.decode(TOPICS.dlq, r.value);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    letterProblem = `${err.errorType}: ${err.message}`;
  }
  const original = letter ? await decodeOriginal(serde, letter.value) : ({ kind: 'none' } as const);
  const couponId = original.kind === 'request' ? original.request.couponId : couponOfKey(letter?.key ?? r.key);
  return { partition: r.partition, offset: r.offset, writtenAt: r.timestamp, letter, letterProblem, original, couponId };
}

/** Per partition of the DLQ, the first offset written at or after `since` (a dead letter is written after it failed). */
export async function offsetsSince(admin: KafkaJS.Admin, since: number): Promise<Offsets> {
  const offsets = await admin.fetchTopicOffsetsByTimestamp(TOPICS.dlq, since);
  return new Map(offsets.map((o) => [o.partition, Number(o.offset)]));
}

/** The committed dead letters from `from` (default: the start) to `until` (default: the end), decoded. */
export async function readDeadLetters(serde: Serde, from: Offsets, options: Omit<ReadOptions, 'perPartition'> & Required<Pick<ReadOptions, 'kafka'>>): Promise<DeadLetterEntry[]> {
  const records = await readCommittedRange(TOPICS.dlq, from, () => true, options);
  const entries: DeadLetterEntry[] = [];
  for (const r of records) entries.push(await toEntry(serde, r));
  return entries;
}
