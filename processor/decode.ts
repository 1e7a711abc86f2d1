/** Turns consumed records into requests or dead letters. Never throws for a bad record. */
import type { CouponIssueRequested, DeadLetterHeader } from '../schemas/contracts.ts';
import { DecodeError, type DecodeErrorType } from '../schemas/errors.ts';
import type { Serde } from '../schemas/serde.ts';
import { TOPICS } from '../schemas/topics.ts';
import { SchemaNotYetKnownError } from './errors.ts';
import type { UnknownSchemaGrace } from './unknown-schemas.ts';
import { isUuid, requestProblem } from './validate.ts';

/** A record as consumed, in the shape the processor needs. */
export interface SourceRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: DeadLetterHeader[];
  /** The record's Kafka timestamp (ms): when its producer created it; -1 when it has none. */
  timestamp: number;
}

export type Decoded =
  /** `problem` set: it decoded and has an event id, but breaks a field rule (a FAILED outcome). */
  | { kind: 'request'; source: SourceRecord; request: CouponIssueRequested; problem: string | null }
  | { kind: 'dead-letter'; source: SourceRecord; errorType: DecodeErrorType; message: string; eventId: string | null };

/**
 * Decodes a unit's records, in order. Records of writer schemas already resolved decode without a
 * promise each; the others wait for their schema's lookup (decodeRecord).
 */
export async function decodeRecords(serde: Serde, sources: readonly SourceRecord[], now: number, unknownSchemas: UnknownSchemaGrace): Promise<Decoded[]> {
  const decoded = new Array<Decoded>(sources.length);
  const waiting: Array<Promise<void>> = [];
  sources.forEach((source, i) => {
    let request: CouponIssueRequested | undefined;
    try {
      request = serde.decodeKnown(TOPICS.requests, source.value);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      decoded[i] = { kind: 'dead-letter', source, errorType: err.errorType, message: err.message, eventId: null };
      return;
    }
    if (request) decoded[i] = checked(source, request, now);
    else waiting.push(decodeRecord(serde, source, now, unknownSchemas).then((d) => void (decoded[i] = d)));
  });
  await Promise.all(waiting);
  return decoded;
}

/**
 * Decodes one record. Registry outages (RegistryUnavailableError) and schema ids not known yet
 * (SchemaNotYetKnownError, during their grace) propagate: they are transient and must abort the
 * batch, not dead-letter the record.
 */
async function decodeRecord(serde: Serde, source: SourceRecord, now: number, unknownSchemas: UnknownSchemaGrace): Promise<Decoded> {
  let request: CouponIssueRequested;
  try {
    request = await serde.decode(TOPICS.requests, source.value);
  } catch (err) {
    if (err instanceof DecodeError && err.errorType === 'UNKNOWN_SCHEMA_ID' && unknownSchemas.waiting(source.value!.readInt32BE(1), now)) {
      throw new SchemaNotYetKnownError(`${err.message}; waiting for it before dead-lettering`, { cause: err });
    }
    if (err instanceof DecodeError) return { kind: 'dead-letter', source, errorType: err.errorType, message: err.message, eventId: null };
    throw err;
  }
  return checked(source, request, now);
}

/** A decoded request against the field rules: a FAILED outcome to record, or a dead letter without a usable event id. */
function checked(source: SourceRecord, request: CouponIssueRequested, now: number): Decoded {
  const problem = requestProblem(request, now);
  if (problem !== null && !isUuid(request.eventId)) {
    return { kind: 'dead-letter', source, errorType: 'INVALID_FIELD', message: problem, eventId: null };
  }
  return { kind: 'request', source, request, problem };
}
