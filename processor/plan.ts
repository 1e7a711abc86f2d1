/** Batch planning: which decoded records go to Postgres and which straight to the DLQ. */
import { HEADERS } from '../schemas/headers.ts';
import type { Decoded, SourceRecord } from './decode.ts';

/** One row of the staging table. */
export interface StagedRequest {
  eventId: string;
  couponId: number;
  userId: number;
  requestedAt: number;
  partition: number;
  offset: number;
  /** Field-rule violation: the ledger records FAILED with this cause. */
  failure: string | null;
  /** Re-produced from the DLQ: a FAILED outcome of the event is decided afresh. */
  replay: boolean;
  /** Made by a bulk grant: its status is not cached in Redis (the gateway answers from its grants hash and the ledger). */
  fromGrant: boolean;
}

export interface DeadLetterPlan {
  source: SourceRecord;
  errorType: string;
  message: string;
  eventId: string | null;
}

export interface BatchPlan {
  staged: StagedRequest[];
  deadLetters: DeadLetterPlan[];
  /** The source record of each staged request, to dead-letter FAILED outcomes with their bytes (keyed by the object: no key string per record). */
  sources: Map<StagedRequest, SourceRecord>;
}

/** A FAILED request's time may be nonsense; the ledger still needs a timestamp it can store. */
const MAX_DATE_MS = 8_640_000_000_000_000;
const storableTime = (ms: number): number => (Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_DATE_MS ? ms : 0);

export function planBatch(decoded: Decoded[]): BatchPlan {
  const plan: BatchPlan = { staged: [], deadLetters: [], sources: new Map() };
  for (const d of decoded) {
    if (d.kind === 'dead-letter') {
      plan.deadLetters.push({ source: d.source, errorType: d.errorType, message: d.message, eventId: d.eventId });
      continue;
    }
    const { request, source } = d;
    const staged: StagedRequest = {
      eventId: request.eventId.toLowerCase(),
      couponId: request.couponId,
      userId: request.userId,
      requestedAt: d.problem === null ? request.requestedAt : storableTime(request.requestedAt),
      partition: source.partition,
      offset: source.offset,
      failure: d.problem === null ? null : `INVALID_FIELD: ${d.problem}`,
      replay: source.headers.some((h) => h.key === HEADERS.replayedFrom),
      fromGrant: request.grant != null,
    };
    plan.staged.push(staged);
    plan.sources.set(staged, source);
  }
  // FCFS is partition order: stage in (partition, offset) order whatever order records came in.
  plan.staged.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  return plan;
}
