/**
 * What Postgres and Kafka know about a coupon's requests: the ledger's decided requests, and the
 * requests still pending in Kafka — the committed records of the requests topic from the processor
 * group's committed offset to the log end, read read_committed as the processor reads them.
 * Read in this order (offsets, then ledger, then records): a request the processor decides while
 * this runs is then found in the ledger or above the offsets read first, never in neither.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { KafkaConnection } from '../../platform/kafka-config.ts';
import type { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { readPendingRequests } from '../../ops/cli/pending.ts';
import type { PartitionPosition } from '../../platform/group-positions.ts';
import { isUuid } from '../../processor/validate.ts';
import { groupPositions } from '../../platform/group-positions.ts';
import type { DecidedRequest, GateRequest } from './accounting.ts';
import type { TerminalOutcome } from '../../schemas/outcomes.ts';

export interface EvidenceSources {
  db: Pick<pg.Pool, 'query'>;
  kafka: KafkaConnection;
  serde: Serde;
  /** The processor's consumer group. */
  groupId: string;
  /** Hears (debug) how many pending records each read of the backlog took, and how long. */
  log?: Pick<Logger, 'debug'>;
}

export interface Evidence {
  /** Decided requests of each coupon asked for. */
  decided: Map<number, DecidedRequest[]>;
  /** Requests in Kafka the processor has not committed yet, per coupon (some may be decided already). */
  pending: Map<number, GateRequest[]>;
}

/**
 * Evidence is read in the background, and a large coupon's ledger takes longer to read than the
 * request path's query timeout (5 s) allows: with it, a rebuild after Redis lost its data failed
 * the same way every pass and never finished.
 */
export const EVIDENCE_QUERY_TIMEOUT_MS = 120_000;

/** A query of the evidence, with its own read timeout (pg reads it from the query config). */
const evidenceQuery = (text: string, values: unknown[]): pg.QueryConfig & { query_timeout: number } => ({ text, values, query_timeout: EVIDENCE_QUERY_TIMEOUT_MS });

const groupBy = <T extends { couponId: number }>(items: T[], couponIds: readonly number[]): Map<number, T[]> => {
  const out = new Map<number, T[]>(couponIds.map((id) => [id, []]));
  for (const item of items) out.get(item.couponId)?.push(item);
  return out;
};

/**
 * The evidence of `couponIds`. `pending`, when given, is their backlog read earlier by
 * readPendingOf: a rebuild pass reads it once for all its chunks of missing gates (nobody can add
 * to the backlog of a coupon whose gate is missing, so it can only shrink into the ledger, read
 * after it). Read per chunk, a bulk grant's backlog of hundreds of thousands of requests was
 * fetched again for every 20 coupons.
 */
export async function gatherEvidence(sources: EvidenceSources, couponIds: readonly number[], pending?: ReadonlyMap<number, GateRequest[]>): Promise<Evidence> {
  const positions = pending ? undefined : await groupPositions(sources.kafka, sources.groupId, TOPICS.requests);
  const { rows } = await sources.db.query<{ event_id: string; coupon_id: string; user_id: string; outcome: TerminalOutcome }>(
    evidenceQuery('SELECT event_id, coupon_id, user_id, outcome FROM issue_outcomes WHERE coupon_id = ANY($1::bigint[])', [couponIds]),
  );
  const decided = groupBy(
    rows.map((r) => ({ eventId: r.event_id, couponId: Number(r.coupon_id), userId: Number(r.user_id), outcome: r.outcome })),
    couponIds,
  );
  if (!positions) return { decided, pending: new Map(couponIds.map((id) => [id, pending?.get(id) ?? []])) };
  return { decided, pending: await pendingRequests(sources, positions, couponIds) };
}

/** The requests of `couponIds` pending in Kafka now (see gatherEvidence's `pending`). */
export async function readPendingOf(sources: EvidenceSources, couponIds: readonly number[]): Promise<Map<number, GateRequest[]>> {
  return pendingRequests(sources, await groupPositions(sources.kafka, sources.groupId, TOPICS.requests), couponIds);
}

/**
 * The unit counts of the accounting without the ledger's rows (the drift gauge, hold settling): each
 * coupon's ISSUED requests counted in Postgres, its pending requests in Kafka, and which of those
 * and of `heldEventIds` the ledger has decided.
 */
export interface UnitEvidence {
  issued: Map<number, number>;
  pending: Map<number, GateRequest[]>;
  /** Of the pending and held event ids, those with a ledger row (any outcome). */
  decided: Set<string>;
}

/**
 * Reads offsets, then records, then the ledger — in one statement, so that the count and the
 * lookup see the same moment. A request decided while this runs is then below the offsets read
 * first (and in the ledger read last), or among the records and looked up: never in neither, and
 * never counted issued and undecided at once.
 */
export async function gatherUnitEvidence(
  sources: EvidenceSources,
  couponIds: readonly number[],
  heldEventIds: readonly string[],
  /** Where the group stood, read just before (measureDrift reads them first to check the backlog). */
  positionsRead?: PartitionPosition[],
): Promise<UnitEvidence> {
  const positions = positionsRead ?? (await groupPositions(sources.kafka, sources.groupId, TOPICS.requests));
  const pending = await pendingRequests(sources, positions, couponIds);
  // A non-UUID event id has no ledger row (event_id is a uuid column), and would fail the cast.
  const lookup = [...heldEventIds, ...[...pending.values()].flat().map((r) => r.eventId)].filter(isUuid);
  const { rows } = await sources.db.query<{ issued: Record<string, number>; decided: string[] }>(
    evidenceQuery(
      // issued_quantity is the count of the coupon's user_coupons rows (I1: the merge moves both in one
      // transaction), read without counting millions of rows of bulk-granted coupons.
      `SELECT (SELECT coalesce(json_object_agg(id, issued_quantity), '{}') FROM coupons WHERE id = ANY($1::bigint[])) AS issued,
              (SELECT coalesce(array_agg(event_id::text), '{}') FROM issue_outcomes WHERE event_id = ANY($2::uuid[])) AS decided`,
      [couponIds, lookup],
    ),
  );
  const { issued, decided } = rows[0]!;
  return { issued: new Map(couponIds.map((id) => [id, Number(issued[id] ?? 0)])), pending, decided: new Set(decided) };
}

/** The requests of `couponIds` in Kafka above the group's committed offsets (some may be decided already). */
async function pendingRequests(sources: EvidenceSources, positions: PartitionPosition[], couponIds: readonly number[]): Promise<Map<number, GateRequest[]>> {
  const started = Date.now();
  const keys = new Set(couponIds.map(String));
  const records = await readPendingRequests(positions, (r) => r.key !== null && keys.has(r.key.toString()), { kafka: sources.kafka });
  const pending: Array<GateRequest & { couponId: number }> = [];
  for (const record of records) {
    try {
      const request = await sources.serde.decode(TOPICS.requests, record.value);
      pending.push({ eventId: request.eventId, couponId: request.couponId, userId: request.userId });
    } catch {
      // Undecodable: the processor dead-letters it; it names no user the gate could hold.
    }
  }
  sources.log?.debug({ coupons: couponIds.length, pending: pending.length, ms: Date.now() - started }, 'read the pending requests in Kafka');
  return groupBy(pending, couponIds);
}
